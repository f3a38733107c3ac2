#!/usr/bin/env bash
# Training throughput of synmix (`synmix speed train`) against PyTorch on the CPU: the same three
# models, recipe and thread count on random images of 1×28×28 and 3×32×32 (scripts/compare_pytorch.py
# is the PyTorch side). The two alternate for ROUNDS rounds and the table shows medians, so a
# noisy machine slows both sides alike; it ends with each side's peak RSS.
#
# Not part of CI: PyTorch from PyPI is a download of gigabytes, kept in a git-ignored venv.
#   THREADS=2 ROUNDS=3 SAMPLES=4096 scripts/compare-pytorch.sh   (4096: an MLP epoch of 1024 lasts ~20 ms)
# BASELINE=path/to/an/older/synmix adds its samples/s as a "before" column, timed in the same
# rounds (the before/after of a change).
set -euo pipefail
cd "$(dirname "$0")/.."
THREADS=${THREADS:-2}
ROUNDS=${ROUNDS:-3}
SAMPLES=${SAMPLES:-4096}
BASELINE=${BASELINE:-}
VENV=${VENV:-.venv/compare-pytorch}

if ! "$VENV/bin/python" -c 'import torch' 2>/dev/null; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check torch
fi
cargo build --release --locked --bin synmix

# rayon (synmix) and OpenMP/MKL (PyTorch) thread pools alike.
export RAYON_NUM_THREADS=$THREADS OMP_NUM_THREADS=$THREADS MKL_NUM_THREADS=$THREADS
# torch warns on import that NumPy is missing; nothing here needs it.
export PYTHONWARNINGS=ignore::UserWarning
# Other work on the machine slows PyTorch's spinning OpenMP threads more than rayon's: the load
# averages before and after say how far to trust the ratios.
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for round in $(seq "$ROUNDS"); do
    if [ -n "$BASELINE" ]; then
        /usr/bin/time -f %M -o "$out/before-$round.rss" \
            "$BASELINE" --quiet speed train --samples "$SAMPLES" >"$out/before-$round.txt"
    fi
    /usr/bin/time -f %M -o "$out/synmix-$round.rss" \
        ./target/release/synmix --quiet speed train --samples "$SAMPLES" >"$out/synmix-$round.txt"
    /usr/bin/time -f %M -o "$out/torch-$round.rss" \
        "$VENV/bin/python" scripts/compare_pytorch.py measure --threads "$THREADS" --samples "$SAMPLES" \
        >"$out/torch-$round.txt"
done
echo "threads $THREADS, batch 64, Adam; $(nproc) cores; load average $load_before before, $(cut -d' ' -f1-3 /proc/loadavg) after"
"$VENV/bin/python" scripts/compare_pytorch.py table "$out"
