use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, Subcommand};
use datasets::import::{self, ClassMap, Fit, IdxPair, ImportOptions, NameRule, SplitLists};
use datasets::{ImageSpec, Source};

#[derive(Args, Debug)]
#[command(
    after_help = "Examples:\n  synmix import fashion-mnist --out data/fmnist\n  \
synmix import idx --images train-images-idx3-ubyte.gz --labels train-labels-idx1-ubyte.gz --out data/mnist\n  \
synmix import cifar10 --from cifar-10-batches-bin --size 28x28 --channels 1 --out data/cifar-grey\n  \
synmix import folder --from lego-photos/ --size 256x256 --fit pad --out data/lego\n  \
synmix import file-names --from cifake/train/FAKE --test-from cifake/test/FAKE --source synthetic \
--name-rule '^\\d+(?: \\((\\d+)\\))?\\.jpg$' \
--name-classes =airplane,2=automobile,3=bird,4=cat,5=deer,6=dog,7=frog,8=horse,9=ship,10=truck --out data/cifake\n  \
synmix import split-lists --from domainnet/ --domain quickdraw --size 300x300 --channels 3 --out data/quickdraw\n  \
synmix import parquet --from hub-download/data --out data/hub"
)]
pub struct ImportArgs {
    #[command(subcommand)]
    format: Format,
}

#[derive(Subcommand, Debug)]
enum Format {
    /// Fashion-MNIST (train and test) from the Debian package dataset-fashion-mnist or --from DIR.
    FashionMnist {
        /// Directory holding the four IDX files [default: /usr/share/datasets/fashion-mnist].
        #[arg(long)]
        from: Option<PathBuf>,
        #[command(flatten)]
        common: Common,
    },
    /// An MNIST-style IDX image file and its label file (gzipped or raw).
    Idx {
        /// IDX image file (magic 0x803), e.g. train-images-idx3-ubyte.gz.
        #[arg(long)]
        images: PathBuf,
        /// IDX label file (magic 0x801), e.g. train-labels-idx1-ubyte.gz.
        #[arg(long)]
        labels: PathBuf,
        /// A second pair written as the `test` split.
        #[arg(long, requires = "test_labels")]
        test_images: Option<PathBuf>,
        #[arg(long, requires = "test_images")]
        test_labels: Option<PathBuf>,
        #[command(flatten)]
        common: Common,
    },
    /// CIFAR-10 binary batches (the extracted cifar-10-batches-bin directory).
    Cifar10 {
        #[arg(long)]
        from: PathBuf,
        #[command(flatten)]
        common: Common,
    },
    /// An image folder: root/<class>/*.png|jpg, or root/<split>/<class>/*.
    Folder {
        #[arg(long)]
        from: PathBuf,
        #[command(flatten)]
        common: Common,
    },
    /// Images whose class is part of the file name (CiFake): the images directly inside
    /// --from (the train split) and --test-from, each labelled by --name-rule.
    FileNames {
        /// Directory of the train split's images.
        #[arg(long)]
        from: PathBuf,
        /// Directory of the test split's images.
        #[arg(long)]
        test_from: Option<PathBuf>,
        /// Regular expression over each file name; its capture (the group named `class`, else
        /// the first group) is the class key. A file it does not match is bad input.
        #[arg(long)]
        name_rule: String,
        /// The classes: names (a,b,c), which the captures must be, or key=name pairs
        /// (2=car,3=car); the empty key (=plane) stands for names where an optional group
        /// took no part.
        #[arg(long)]
        name_classes: ClassMap,
        #[command(flatten)]
        common: Common,
    },
    /// Split list files (DomainNet): <domain>_train.txt and <domain>_test.txt, each line
    /// an image path relative to --from and an integer label; class names are the image
    /// folders' names.
    SplitLists {
        /// The image root the listed paths are relative to.
        #[arg(long)]
        from: PathBuf,
        /// The domain, which names the list files (real, quickdraw, sketch, ...).
        #[arg(long)]
        domain: String,
        /// Directory of the list files [default: --from].
        #[arg(long)]
        lists: Option<PathBuf>,
        #[command(flatten)]
        common: Common,
    },
    /// A Hugging Face image dataset in Parquet (image struct<bytes, path> + integer label).
    Parquet {
        /// A .parquet file or a directory of them; `train-*.parquet` names the split.
        #[arg(long)]
        from: PathBuf,
        #[command(flatten)]
        common: Common,
    },
}

#[derive(Args, Debug)]
struct Common {
    /// Output dataset directory or object-store prefix (s3://bucket/prefix).
    #[arg(long)]
    out: datasets::Location,
    /// Dataset name [default: the output directory's name].
    #[arg(long)]
    name: Option<String>,
    /// Which side of a mix these images are on.
    #[arg(long, default_value = "real", value_parser = parse_source)]
    source: Source,
    /// Import only this split; a single-split input is written under this name [default: train].
    #[arg(long)]
    split: Option<String>,
    /// Resize every image to WxH.
    #[arg(long, value_parser = ImageSpec::parse_size)]
    size: Option<(u32, u32)>,
    /// How an image of another aspect ratio meets --size: stretch it, crop its centre
    /// (scale the shorter side to fit), or pad it with black (scale the longer side to fit).
    /// Resizing filters with Catmull-Rom.
    #[arg(long, default_value = "stretch", value_parser = parse_fit)]
    fit: Fit,
    /// Convert to 1 (grey) or 3 (RGB) channels.
    #[arg(long, value_parser = parse_channels)]
    channels: Option<u8>,
    /// Name classes in order (a,b,c), pick and order existing ones, or map them (old=new,...).
    #[arg(long)]
    classes: Option<ClassMap>,
    /// Replace an existing synmix dataset in --out.
    #[arg(long)]
    force: bool,
    /// Keep the finished shards of an interrupted import with the same arguments.
    #[arg(long, conflicts_with = "force")]
    resume: bool,
    /// Import without the files that cannot be used (missing, unreadable, or given no class
    /// by --name-rule), listed on stderr and in the manifest's recipe, instead of failing.
    /// Decodes every image once more up front.
    #[arg(long)]
    skip_bad: bool,
}

fn parse_source(text: &str) -> Result<Source, String> {
    text.parse()
}

fn parse_fit(text: &str) -> Result<Fit, String> {
    text.parse()
}

fn parse_channels(text: &str) -> Result<u8, String> {
    let n: u8 = text
        .parse()
        .map_err(|_| format!("'{text}' is not 1 or 3"))?;
    ImageSpec::check_channels(n)
}

pub fn run(args: ImportArgs, quiet: bool) -> Result<()> {
    let spinner = datasets::progress::bars::spinner("reading input", quiet);
    let (input, common, origin) = match args.format {
        Format::FashionMnist { from, common } => {
            let dir = from.unwrap_or_else(|| PathBuf::from(import::FASHION_MNIST_DIR));
            (import::read_fashion_mnist(&dir)?, common, dir)
        }
        Format::Idx {
            images,
            labels,
            test_images,
            test_labels,
            common,
        } => {
            let test = test_images
                .zip(test_labels)
                .map(|(images, labels)| IdxPair { images, labels });
            let train = IdxPair {
                images: images.clone(),
                labels,
            };
            let input = import::read_idx(&train, test.as_ref(), common.classes.is_some())?;
            (input, common, images)
        }
        Format::Cifar10 { from, common } => (import::read_cifar10(&from)?, common, from),
        Format::Folder { from, common } => (import::read_folder(&from)?, common, from),
        Format::FileNames {
            from,
            test_from,
            name_rule,
            name_classes,
            common,
        } => {
            let rule = NameRule::new(&name_rule, &name_classes)?;
            let mut dirs = vec![("train", from.as_path())];
            dirs.extend(test_from.as_deref().map(|dir| ("test", dir)));
            (import::read_named(&dirs, &rule)?, common, from)
        }
        Format::SplitLists {
            from,
            domain,
            lists,
            common,
        } => {
            let lists = SplitLists::domain(&from, lists.as_deref().unwrap_or(&from), &domain);
            (import::read_split_lists(&lists)?, common, from)
        }
        Format::Parquet { from, common } => (import::read_parquet(&from)?, common, from),
    };
    spinner.set_message("converting and writing");
    let options = ImportOptions {
        out: common.out,
        name: common.name,
        source: common.source,
        split: common.split,
        size: common.size,
        fit: common.fit,
        channels: common.channels,
        classes: common.classes,
        skip_bad: common.skip_bad,
        mode: super::write_mode(common.force, common.resume),
        command: super::command_line(),
    };
    let manifest = import::write_dataset(input, &options, &origin)?;
    spinner.finish_and_clear();
    if !quiet {
        let splits: Vec<String> = manifest
            .splits
            .iter()
            .map(|(name, s)| format!("{name} {}", s.rows))
            .collect();
        eprintln!(
            "wrote {} ({}; {} classes, {})",
            options.out.display(),
            splits.join(", "),
            manifest.classes.len(),
            manifest.image
        );
    }
    // Said even with --quiet: the dataset lacks these files.
    if let Some(skipped) = manifest.recipe.config["skipped"].as_array() {
        eprintln!("skipped {} input file(s):", skipped.len());
        for file in skipped {
            eprintln!("  {}", file.as_str().unwrap_or_default());
        }
    }
    Ok(())
}
