//! The built-in presets: preset files embedded in the binary (`presets/` at the top of the
//! repository), loaded exactly as a user's preset file is. Only their CPU reference renderer
//! (`cpu/`) knows them apart, by their shader's text.

use crate::file::PresetFile;

/// A preset built into synmix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Builtin {
    /// Shaded, textured clothing silhouettes: the near-gap pair of Fashion-MNIST.
    Fashion,
    /// Hand-drawn outlines of the same ten classes: a far gap, like Quickdraw.
    Sketch,
    /// Stroke-font digits 0-9 in several stroke styles, SynDigits-like.
    Digits,
}

impl Builtin {
    pub const ALL: [Builtin; 3] = [Builtin::Fashion, Builtin::Sketch, Builtin::Digits];

    pub fn name(self) -> &'static str {
        match self {
            Builtin::Fashion => "fashion",
            Builtin::Sketch => "sketch",
            Builtin::Digits => "digits",
        }
    }

    /// The built-in preset called `name`, if there is one.
    pub fn named(name: &str) -> Option<Builtin> {
        Builtin::ALL.into_iter().find(|b| b.name() == name)
    }

    /// The preset's TOML and WGSL, as in `presets/`.
    fn text(self) -> (&'static str, &'static str) {
        match self {
            Builtin::Fashion => (
                include_str!("../../presets/fashion.toml"),
                include_str!("../../presets/fashion.wgsl"),
            ),
            Builtin::Sketch => (
                include_str!("../../presets/sketch.toml"),
                include_str!("../../presets/sketch.wgsl"),
            ),
            Builtin::Digits => (
                include_str!("../../presets/digits.toml"),
                include_str!("../../presets/digits.wgsl"),
            ),
        }
    }

    /// The preset loaded from its embedded files.
    pub fn file(self) -> PresetFile {
        let (toml, wgsl) = self.text();
        let name = self.name();
        PresetFile::from_text(
            name,
            &format!("presets/{name}.toml (built in)"),
            toml,
            &format!("presets/{name}.wgsl (built in)"),
            wgsl,
        )
        .expect("the built-in presets load")
    }

    /// The built-in preset whose shader `wgsl` is, byte for byte: the CPU reference renderer
    /// mirrors these shaders and no other (whatever the TOML beside them sets).
    pub(crate) fn with_shader(wgsl: &str) -> Option<Builtin> {
        Builtin::ALL.into_iter().find(|b| b.text().1 == wgsl)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::file::FileSample;
    use crate::file::Stream;

    #[test]
    fn every_built_in_loads_and_the_clothing_ones_draw_fashion_mnist_classes() {
        for builtin in Builtin::ALL {
            let file = builtin.file();
            assert_eq!(file.name, builtin.name());
            assert_eq!(Builtin::named(builtin.name()), Some(builtin));
            assert_eq!(Builtin::with_shader(&file.wgsl), Some(builtin));
            assert_eq!(
                (file.image.width, file.image.height, file.image.channels),
                (28, 28, 1)
            );
        }
        // Named as the Fashion-MNIST import names them, so the two mix without a class map.
        for builtin in [Builtin::Fashion, Builtin::Sketch] {
            assert_eq!(
                builtin.file().classes,
                datasets::import::FASHION_MNIST_CLASSES
            );
        }
        assert_eq!(Builtin::named("cartoons"), None);
        assert_eq!(Builtin::with_shader("fn shade() {}"), None);
    }

    #[test]
    fn fabrics_and_chest_prints_follow_their_class() {
        // How often each class wears each fabric (plain, stripes, checks, a print) and a chest
        // print: as in Fashion-MNIST, stripes on T-shirts and pullovers, checks on shirts,
        // prints on T-shirts and pullovers most, never on shoes and bags.
        const FABRICS: [[f64; 4]; 10] = [
            [0.45, 0.30, 0.05, 0.20],
            [0.70, 0.10, 0.05, 0.15],
            [0.45, 0.35, 0.05, 0.15],
            [0.50, 0.15, 0.10, 0.25],
            [0.65, 0.10, 0.10, 0.15],
            [0.70, 0.10, 0.05, 0.15],
            [0.35, 0.15, 0.30, 0.20],
            [0.70, 0.10, 0.05, 0.15],
            [0.70, 0.10, 0.05, 0.15],
            [0.70, 0.10, 0.05, 0.15],
        ];
        const LOGOS: [f64; 10] = [0.5, 0.0, 0.4, 0.2, 0.1, 0.0, 0.1, 0.0, 0.0, 0.0];
        let file = Builtin::Fashion.file();
        let at = |name: &str| file.knobs.iter().position(|k| k.name == name).unwrap();
        let (fabric, logo, contrast) = (at("fabric"), at("logo"), at("logo_contrast"));
        let n = 4000;
        for class in 0..10 {
            let draws: Vec<FileSample> = (0..n)
                .map(|j| FileSample::draw(&file, 0, Stream::Train, j * 10 + class))
                .collect();
            let share = |pick: &dyn Fn(&FileSample) -> bool| {
                draws.iter().filter(|d| pick(d)).count() as f64 / n as f64
            };
            for (kind, weight) in FABRICS[class as usize].into_iter().enumerate() {
                let drawn = share(&|d| d.values[fabric] == kind as f64);
                assert!(
                    (drawn - weight).abs() < 0.03,
                    "class {class} fabric {kind}: {drawn}"
                );
            }
            let drawn = share(&|d| d.values[logo] == 1.0);
            let chance = LOGOS[class as usize];
            assert!((drawn - chance).abs() < 0.03, "class {class} logo: {drawn}");
            assert!(
                draws
                    .iter()
                    .all(|d| (-1.0..1.0).contains(&d.values[contrast]))
            );
        }
    }
}
