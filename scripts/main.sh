#!/usr/bin/env bash
# The main job on the embedded default: import real Fashion-MNIST and inspect it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-system.sh
cargo build --release --locked
out="${1:-runs/default}"
./target/release/synmix import fashion-mnist --out "$out/fashion-mnist" --force
./target/release/synmix verify "$out/fashion-mnist"
./target/release/synmix inspect "$out/fashion-mnist" --grid "$out/fashion-mnist.png"
