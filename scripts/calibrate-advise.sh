#!/usr/bin/env bash
# The calibration of `synmix advise` against full grids: three grids (3 seeds each) give the
# ground truth of 16 settings — the default bench (near and far presets, MLP, CNN and ViT,
# N = 1,000), experiments/calibration/small-n200.toml (N = 200) and scarce-r100.toml (R = 100
# real rows plus k·R synthetic, with a preset variant advise was never tuned on) — then advise
# answers each setting from its pilots (seed 3: the grids train seeds 0-2), and the table says,
# per setting, the advised point against the grid's best, the accuracy lost, whether the advised
# range holds the best point, and the pilots' cost as a fraction of the grid's.
# Not part of CI: about an hour and a half on two cores. A rerun resumes every grid and advice.
#   bash scripts/calibrate-advise.sh [OUT]      (default runs/calibration)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-runs/calibration}
JOBS=${JOBS:-$(nproc)}
cargo build --release --locked
synmix=./target/release/synmix
mkdir -p "$OUT"
"$synmix" -q bench --out "$OUT/grid-n1000" --jobs "$JOBS"
"$synmix" -q bench --config experiments/calibration/small-n200.toml --out "$OUT/grid-n200" --jobs "$JOBS"
"$synmix" -q bench --config experiments/calibration/scarce-r100.toml --out "$OUT/grid-r100" --jobs "$JOBS"
real="$OUT/grid-n1000/data/real-fashion-mnist"
advise() { # NAME SYNTHETIC MODEL QUESTION...
    local name=$1 synthetic=$2 model=$3
    shift 3
    "$synmix" -q advise --real "$real" --synthetic "$synthetic" --model "$model" "$@" \
        --seed 3 --jobs "$JOBS" --out "$OUT/advice/$name"
}
for model in mlp cnn vit; do
    advise "n1000-near-$model" fashion "$model" --size 1000
    advise "n1000-far-$model" sketch "$model" --size 1000
done
for model in mlp cnn; do
    advise "n200-near-$model" fashion "$model" --size 200
    advise "n200-far-$model" sketch "$model" --size 200
    advise "r100-near-$model" fashion "$model" --real-count 100
    advise "r100-far-$model" sketch "$model" --real-count 100
    advise "r100-noisy-$model" experiments/calibration/fashion-noisy.toml "$model" --real-count 100
done
python3 scripts/calibration_table.py "$OUT"
