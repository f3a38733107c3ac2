#!/usr/bin/env bash
# How far a synthetic preset gets alone: a CNN trained only on its renders at the default
# budget (the default experiment's N, epochs, batch size and learning rate), scored on the
# default real test subset (Fashion-MNIST test images, the same number of each class). The
# near-gap preset should get a good part of the way; the far-gap one should not.
#
#   scripts/synthetic-only.sh [OUT] [PRESET...]     (default: out/synthetic-only fashion sketch)
#   SEEDS=0 scripts/synthetic-only.sh ...            (one seed: a third of the time, while tuning)
#
# It runs a one-share bench (share 1: synthetic rows only) over seeds 0-2 (or $SEEDS, a
# comma-separated list), so the numbers come from the benchmark's own code paths. The real
# import is kept between calls; the renders and runs are redone every time, so the numbers
# always describe the presets as built.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-out/synthetic-only}
shift || true
presets=("$@")
seeds=${SEEDS:-0, 1, 2}
[ $# -gt 0 ] || presets=(fashion sketch)
bash scripts/setup-system.sh
# The presets are compiled in: a stale binary would measure the presets of another build.
cargo build --release --locked
synmix=target/release/synmix

real="$out/fashion-mnist"
[ -f "$real/manifest.json" ] || "$synmix" -q import fashion-mnist --out "$real" --force
real=$(realpath "$real")
bench="$out/bench"
rm -rf "$bench"
mkdir -p "$bench"
config="$out/synthetic-only.toml"
{
    echo 'name = "synthetic-only"'
    echo 'shares = "1"'
    echo "seeds = [$seeds]"
    echo 'architectures = ["cnn"]'
    echo 'strategies = ["sm"]'
    # The default experiment's budgets, read from the one place that defines them.
    sed -n '/^\[data\]/,/^\[\[pairs\]\]/p' bench/src/default.toml | sed '$d'
    for preset in "${presets[@]}"; do
        printf '[[pairs]]\nname = "%s"\nreal = { dataset = "%s" }\nsynthetic = { preset = "%s" }\n\n' \
            "$preset" "$real" "$preset"
    done
} >"$config"
"$synmix" -q bench --config "$config" --out "$bench"

# Accuracy overall and per class on the real test subset: the mean over the seeds.
classes=$(jq -r '.classes | join(",")' "$real/manifest.json")
for preset in "${presets[@]}"; do
    jq -rs --arg preset "$preset" --arg classes "$classes" '
        map(.metrics) as $m
        | def mean(f): $m | map(f) | add / length;
          def r: . * 1000 | round / 1000;
        "\($preset): accuracy \(mean(.accuracy) | r)   seeds: \($m | map(.accuracy | r) | join(" "))",
        ($classes | split(",") | to_entries[]
            | "  \(.value)\(" " * (13 - (.value | length)))\(.key as $c | mean(.per_class_accuracy[$c]) | r)")
    ' "$bench"/runs/"$preset"/cnn/sm-r100-s*/result.json
done
