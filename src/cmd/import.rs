use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, Subcommand};
use datasets::import::{self, ClassMap, IdxPair, ImportOptions};
use datasets::{ImageSpec, Source};

#[derive(Args, Debug)]
#[command(
    after_help = "Examples:\n  synmix import fashion-mnist --out data/fmnist\n  \
synmix import idx --images train-images-idx3-ubyte.gz --labels train-labels-idx1-ubyte.gz --out data/mnist\n  \
synmix import cifar10 --from cifar-10-batches-bin --size 28x28 --channels 1 --out data/cifar-grey\n  \
synmix import folder --from cifake/ --source synthetic --classes REAL=real,FAKE=fake --out data/cifake\n  \
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
    /// Output dataset directory.
    #[arg(long)]
    out: PathBuf,
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
}

fn parse_source(text: &str) -> Result<Source, String> {
    text.parse()
}

fn parse_channels(text: &str) -> Result<u8, String> {
    let n: u8 = text
        .parse()
        .map_err(|_| format!("'{text}' is not 1 or 3"))?;
    ImageSpec::check_channels(n)
}

pub fn run(args: ImportArgs, quiet: bool) -> Result<()> {
    let spinner = crate::progress::spinner("reading input", quiet);
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
        Format::Parquet { from, common } => (import::read_parquet(&from)?, common, from),
    };
    spinner.set_message("converting and writing");
    let options = ImportOptions {
        out: common.out,
        name: common.name,
        source: common.source,
        split: common.split,
        size: common.size,
        channels: common.channels,
        classes: common.classes,
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
    Ok(())
}
