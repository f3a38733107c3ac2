#!/usr/bin/env bash
# The test command: system packages (Slurm among them), a Python environment with the real Hugging Face
# client for the interoperability test and moto's S3-compatible server for the object-storage tests, then
# every Rust test in one release build.
set -euo pipefail
cd "$(dirname "$0")/.."
# slurm-wlm brings slurmctld, slurmd and munge: tests/slurm.rs runs a one-node cluster.
bash scripts/setup-system.sh slurm-wlm
python3 scripts/interop-venv.py .venv
export SYNMIX_PYTHON="$PWD/.venv/bin/python"
export SYNMIX_REQUIRE_INTEROP=1
# setup-system.sh installs lavapipe, so the GPU/CPU parity test must find a wgpu adapter.
export SYNMIX_REQUIRE_GPU=1
export SYNMIX_REQUIRE_SLURM=1
cargo test --release --workspace --locked
