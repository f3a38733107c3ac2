#!/usr/bin/env bash
# The main job on the embedded default: real Fashion-MNIST against the `fashion` (near gap)
# and `sketch` (far gap) renders, 3 architectures x 2 strategies x 6 shares x 3 seeds, then the report.
# One task per core, each on one thread: these small models train faster side by side than
# one at a time on every core.
# A rerun resumes: finished data, mixes and runs are kept.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-system.sh
cargo build --release --locked
./target/release/synmix bench --out "${1:-runs/default}" --jobs "$(nproc)"
