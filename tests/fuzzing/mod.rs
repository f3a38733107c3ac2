//! A seeded, structure-aware mutation fuzzer for the text files users write by hand (preset
//! TOML and WGSL, experiment TOML), on the stable toolchain: each input is a file of a corpus
//! of valid ones with a few mutations — a number set to a boundary (0, -1, 2^24 + 1, 65,536,
//! 1e308, NaN, ...), a token replaced by a word of the format's dictionary or deleted or
//! repeated, a line dropped, repeated, swapped or spliced in from another file, a character
//! inserted (quotes, brackets, a newline, a carriage return, a NUL, non-ASCII), a cut, a deep
//! nesting or a long run of one line. The target parses and checks the input as the command
//! line does; the harness requires that it never panics, finishes within a time bound, and
//! refuses in one line. A run is reproducible from its seed: `SYNMIX_FUZZ_INPUTS` inputs (a
//! short run by default) from `SYNMIX_FUZZ_SEED`.

use std::panic::AssertUnwindSafe;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use datasets::rng::SplitMix64;

/// One input: the files a target reads, by name (`shapes.toml`, `shapes.wgsl`).
#[derive(Debug, Clone)]
pub struct Input {
    pub files: Vec<(String, String)>,
}

/// What a target made of an input: accepted, or refused with its message.
pub type Outcome = Result<(), String>;

/// How many inputs a run makes and from which seed: the environment's, else `default` from 0.
pub fn budget(default: usize) -> (usize, u64) {
    let read = |name: &str| std::env::var(name).ok().and_then(|v| v.trim().parse().ok());
    (
        read("SYNMIX_FUZZ_INPUTS").map_or(default, |n: u64| n as usize),
        read("SYNMIX_FUZZ_SEED").unwrap_or(0),
    )
}

/// The figures of a run, printed at its end.
#[derive(Debug, Default)]
pub struct Figures {
    pub inputs: usize,
    pub accepted: usize,
    pub refused: usize,
    /// The longest an input took, and which it was (to run it again: its number + 1 inputs).
    pub slowest: (Duration, usize),
}

/// A fuzzing campaign over one format.
pub struct Campaign<'a> {
    pub name: &'static str,
    /// Valid inputs to mutate; every file of an input may be mutated.
    pub corpus: Vec<Input>,
    /// Words of the format (keys, keywords, functions) that mutations put in.
    pub dictionary: &'a [&'a str],
    /// Parses and checks an input as the command line does.
    pub target: fn(&Input) -> Outcome,
    /// The longest one input may take before the run counts it as a hang.
    pub time_bound: Duration,
    /// Called on the inputs a run picks for a closer look (see [`Campaign::run`]).
    pub sample: &'a dyn Fn(&Input, &Outcome),
    /// One input in this many, of those accepted and of those refused, goes to `sample`.
    pub sample_every: usize,
}

impl Campaign<'_> {
    /// Runs `inputs` mutated inputs from `seed` through the target on a worker thread (with a
    /// command-line thread's stack), panicking with the input where the target panics, hangs,
    /// or refuses in other than one line. Each corpus file is checked first: it must pass.
    pub fn run(&self, inputs: usize, seed: u64) -> Figures {
        let (to_worker, work) = mpsc::channel::<Input>();
        let (to_harness, results) = mpsc::channel::<Result<Outcome, String>>();
        let target = self.target;
        let worker = std::thread::Builder::new()
            .name(format!("fuzz {}", self.name))
            .stack_size(8 << 20)
            .spawn(move || {
                for input in work {
                    let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| target(&input)))
                        .map_err(|panic| {
                            panic
                                .downcast_ref::<String>()
                                .cloned()
                                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                                .unwrap_or_default()
                        });
                    if to_harness.send(outcome).is_err() {
                        return;
                    }
                }
            })
            .expect("a worker thread starts");
        for (i, input) in self.corpus.iter().enumerate() {
            to_worker.send(input.clone()).unwrap();
            let outcome = results.recv().unwrap();
            assert!(
                matches!(outcome, Ok(Ok(()))),
                "{}: corpus input {i} ({:?}) is not accepted: {outcome:?}",
                self.name,
                input.files.iter().map(|f| &f.0).collect::<Vec<_>>()
            );
        }

        let mut rng = SplitMix64::keyed(&[seed, 0xf022]);
        let mut figures = Figures::default();
        let mut seen = [0usize; 2];
        for n in 0..inputs {
            let input = self.mutated(&mut rng);
            let started = Instant::now();
            to_worker.send(input.clone()).unwrap();
            let outcome = match results.recv_timeout(self.time_bound) {
                Ok(Ok(outcome)) => outcome,
                Ok(Err(panic)) => failed(self.name, n, seed, &input, &format!("panicked: {panic}")),
                Err(_) => failed(
                    self.name,
                    n,
                    seed,
                    &input,
                    &format!("took over {:?}", self.time_bound),
                ),
            };
            figures.slowest = figures.slowest.max((started.elapsed(), n));
            figures.inputs += 1;
            let kind = match &outcome {
                Ok(()) => {
                    figures.accepted += 1;
                    0
                }
                Err(message) => {
                    figures.refused += 1;
                    if message.trim().is_empty() || message.contains('\n') {
                        failed(
                            self.name,
                            n,
                            seed,
                            &input,
                            &format!("refused in {message:?}"),
                        );
                    }
                    1
                }
            };
            if seen[kind] % self.sample_every == 0 {
                (self.sample)(&input, &outcome);
            }
            seen[kind] += 1;
        }
        drop(to_worker);
        worker.join().expect("the worker ends");
        figures
    }

    /// A corpus input with one to four mutations.
    fn mutated(&self, rng: &mut SplitMix64) -> Input {
        let mut input = self.corpus[pick(rng, self.corpus.len())].clone();
        for _ in 0..1 + pick(rng, 4) {
            let file = pick(rng, input.files.len());
            let donor = &self.corpus[pick(rng, self.corpus.len())].files;
            let donor = &donor[pick(rng, donor.len())].1;
            let text = &input.files[file].1;
            input.files[file].1 = mutate(text, donor, self.dictionary, rng);
        }
        input
    }
}

/// Ends the run, naming the input that failed and how to run it again.
fn failed(campaign: &str, n: usize, seed: u64, input: &Input, what: &str) -> ! {
    let files: Vec<String> = input
        .files
        .iter()
        .map(|(name, text)| {
            let shown: String = text.chars().take(4000).collect();
            format!("--- {name} ({} bytes) ---\n{shown}", text.len())
        })
        .collect();
    panic!(
        "{campaign}: input {n} {what}\n(again: SYNMIX_FUZZ_SEED={seed} SYNMIX_FUZZ_INPUTS={})\n{}",
        n + 1,
        files.join("\n")
    );
}

fn pick(rng: &mut SplitMix64, n: usize) -> usize {
    rng.below(n as u64) as usize
}

/// Numbers at the edges of what the formats and the code behind them take.
const BOUNDARIES: &[&str] = &[
    "0",
    "-0",
    "1",
    "-1",
    "2",
    "3",
    "63",
    "64",
    "65",
    "255",
    "256",
    "257",
    "4096",
    "4097",
    "65535",
    "65536",
    "65537",
    "16777216",
    "16777217",
    "-16777217",
    "2147483647",
    "2147483648",
    "-2147483649",
    "4294967296",
    "9223372036854775807",
    "-9223372036854775808",
    "18446744073709551616",
    "0.5",
    "-0.5",
    "1e-45",
    "1e-320",
    "3.4e38",
    "3.5e38",
    "1e308",
    "-1e308",
    "1.8e308",
    "nan",
    "inf",
    "-inf",
    "+inf",
    "0x10",
    "0o7",
    "0b1",
    "1_000",
    "1e",
    "1.",
    ".5",
    "00",
    "0.0000001",
];

/// Characters that end or open something in TOML or WGSL, and some that are rarely expected.
const CHARACTERS: &[&str] = &[
    "\"", "'", "[", "]", "{", "}", "(", ")", "=", ",", ".", "#", ";", ":", "\\", "\n", "\r", "\t",
    " ", "\0", "é", "🦀", "\u{feff}", "/*", "*/", "//", "\"\"\"", "'''", "-", "_",
];

/// One mutation of `text`; `donor` is another corpus file, for splicing.
pub fn mutate(text: &str, donor: &str, dictionary: &[&str], rng: &mut SplitMix64) -> String {
    let tokens = tokens(text);
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let numbers: Vec<(usize, usize)> = tokens
        .iter()
        .copied()
        .filter(|&(a, _)| text.as_bytes()[a].is_ascii_digit())
        .collect();
    // Text replaced: `text[a..b]` by `with`.
    let replaced = |a: usize, b: usize, with: &str| format!("{}{with}{}", &text[..a], &text[b..]);
    let anywhere = |rng: &mut SplitMix64| char_boundary(text, pick(rng, text.len() + 1));
    match pick(rng, 12) {
        // A number (with its sign) at a boundary.
        0 | 1 if !numbers.is_empty() => {
            let (a, b) = numbers[pick(rng, numbers.len())];
            let a = if a > 0 && text.as_bytes()[a - 1] == b'-' {
                a - 1
            } else {
                a
            };
            replaced(a, b, BOUNDARIES[pick(rng, BOUNDARIES.len())])
        }
        // A token replaced by a word of the format, or by another token of the file.
        2 | 3 if !tokens.is_empty() => {
            let (a, b) = tokens[pick(rng, tokens.len())];
            let word = if pick(rng, 3) == 0 {
                let (c, d) = tokens[pick(rng, tokens.len())];
                &text[c..d]
            } else {
                dictionary[pick(rng, dictionary.len())]
            };
            replaced(a, b, word)
        }
        // A token deleted or repeated.
        4 if !tokens.is_empty() => {
            let (a, b) = tokens[pick(rng, tokens.len())];
            let with = if pick(rng, 2) == 0 {
                String::new()
            } else {
                text[a..b].repeat(2)
            };
            replaced(a, b, &with)
        }
        // A line dropped, repeated, or two swapped.
        5 | 6 if !lines.is_empty() => {
            let mut edited = lines.clone();
            let i = pick(rng, edited.len());
            match pick(rng, 3) {
                0 => drop(edited.remove(i)),
                1 => edited.insert(i, lines[i]),
                _ => edited.swap(i, pick(rng, lines.len())),
            }
            edited.concat()
        }
        // A line of another file spliced in.
        7 => {
            let donor_lines: Vec<&str> = donor.split_inclusive('\n').collect();
            let line = donor_lines.get(pick(rng, donor_lines.len().max(1)));
            let at = anywhere(rng);
            replaced(at, at, &format!("\n{}", line.copied().unwrap_or("")))
        }
        // A stretch of text cut out.
        8 => {
            let at = anywhere(rng);
            replaced(at, char_boundary(text, at + pick(rng, 64)), "")
        }
        // A character inserted.
        9 => {
            let at = anywhere(rng);
            replaced(at, at, CHARACTERS[pick(rng, CHARACTERS.len())])
        }
        // The file cut short.
        10 => text[..anywhere(rng)].to_string(),
        // Size: deep nesting, a long word, or one line many times.
        _ => {
            let at = anywhere(rng);
            let n = [10, 100, 1000, 10_000][pick(rng, 4)];
            let grown = match pick(rng, 4) {
                0 => "[".repeat(n) + &"]".repeat(n),
                1 => "(".repeat(n) + "1" + &")".repeat(n),
                2 => "k".repeat(n),
                _ => lines
                    .get(pick(rng, lines.len().max(1)))
                    .copied()
                    .unwrap_or("\n")
                    .repeat(n),
            };
            replaced(at, at, &grown)
        }
    }
}

/// The byte offset at or after `at` where a character begins.
fn char_boundary(text: &str, at: usize) -> usize {
    (at.min(text.len())..=text.len())
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(text.len())
}

/// The tokens of `text` as byte ranges: words (letters, digits, `_`, and `.` inside a number),
/// quoted strings, and single punctuation characters.
fn tokens(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        if c.is_ascii_alphanumeric() || c == b'_' {
            let number = c.is_ascii_digit();
            while i < bytes.len()
                && (bytes[i].is_ascii_alphanumeric()
                    || bytes[i] == b'_'
                    || (number && bytes[i] == b'.'))
            {
                i += 1;
            }
        } else if c == b'"' {
            i += 1;
            while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                i += 1;
            }
            i = (i + 1).min(bytes.len());
        } else if c.is_ascii_whitespace() {
            i += 1;
            continue;
        } else {
            i = char_boundary(text, i + 1);
        }
        found.push((start, i));
    }
    found
}
