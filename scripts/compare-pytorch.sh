#!/usr/bin/env bash
# Training throughput of synmix (`synmix speed train`) against PyTorch on the CPU: the same three
# models, recipe and thread count on random images of 1×28×28, 3×32×32, 3×64×64 and 3×256×256
# (scripts/compare_pytorch.py is the PyTorch side). Every cell (model × shape) runs as its own
# process, the two sides alternating cell by cell (which goes first alternates by round), for
# ROUNDS rounds; the table shows the medians, each side's GFLOP/s against the peak of a large
# matrix product, and each side's peak RSS per cell.
#
# A figure taken while other work uses the cores is not a result (PyTorch's spinning OpenMP
# threads lose far more than rayon's under load): before every round the script measures how busy
# the cores are over two seconds, with nothing of its own running, and prints it with the load
# average. If any round saw more than IDLE_MAX (default 0.10) of a core busy, it refuses to print
# the table; FORCE=1 prints it anyway, marked on every ratio and under a banner.
#
# Not part of CI: PyTorch from PyPI is a download of gigabytes, kept in a git-ignored venv.
#   THREADS=2 ROUNDS=5 SAMPLES=4096 scripts/compare-pytorch.sh
# SAMPLES is the timed epoch at 28 and 32 px; 64 px takes a quarter of it, 256 px a 32nd.
# MODELS="vit" SHAPES="3x256x256" narrow it (CxHxW). BASELINE=path/to/an/older/synmix adds its
# samples/s as a "before" column, timed in the same rounds (the before/after of a change; it must
# take `speed train --shape`).
set -euo pipefail
cd "$(dirname "$0")/.."
THREADS=${THREADS:-2}
ROUNDS=${ROUNDS:-5}
SAMPLES=${SAMPLES:-4096}
MODELS=${MODELS:-mlp cnn vit}
SHAPES=${SHAPES:-1x28x28 3x32x32 3x64x64 3x256x256}
BASELINE=${BASELINE:-}
IDLE_MAX=${IDLE_MAX:-0.10}
FORCE=${FORCE:-}
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
torch=("$VENV/bin/python" scripts/compare_pytorch.py)

# Cores busy (of all of them, in cores) over two seconds: user, nice, system, irq, softirq and
# steal time from /proc/stat.
busy_cores() {
    read -r _ u1 n1 s1 i1 w1 q1 sq1 st1 _ </proc/stat
    sleep 2
    read -r _ u2 n2 s2 i2 w2 q2 sq2 st2 _ </proc/stat
    local busy=$(((u2 - u1) + (n2 - n1) + (s2 - s1) + (q2 - q1) + (sq2 - sq1) + (st2 - st1)))
    local total=$((busy + (i2 - i1) + (w2 - w1)))
    awk -v b="$busy" -v t="$total" -v c="$(nproc)" 'BEGIN { printf "%.2f", t ? b / t * c : 0 }'
}

# The samples of a shape's timed epoch: SAMPLES at 28 and 32 px, fewer for larger images.
samples_for() {
    case $1 in
    *x256x256) echo $((SAMPLES / 32)) ;;
    *x64x64) echo $((SAMPLES / 4)) ;;
    *) echo "$SAMPLES" ;;
    esac
}

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"${torch[@]}" flops >"$out/flops.txt"
"${torch[@]}" peak --threads "$THREADS" >"$out/peak.txt"

run_cell() { # side round model shape(CxHxW)
    local side=$1 round=$2 model=$3 shape=$4 samples
    samples=$(samples_for "$shape")
    local file="$out/$side-$round-$model-$shape"
    IFS=x read -r c h w <<<"$shape"
    case $side in
    torch)
        /usr/bin/time -f %M -o "$file.rss" "${torch[@]}" measure --threads "$THREADS" \
            --samples "$samples" --model "$model" --shape "$shape" >"$file.txt" ;;
    *)
        local bin=./target/release/synmix
        [ "$side" = before ] && bin=$BASELINE
        /usr/bin/time -f %M -o "$file.rss" "$bin" --quiet speed train --samples "$samples" \
            --model "$model" --shape "${w}x${h}x${c}" >"$file.txt" ;;
    esac
}

echo "threads $THREADS on $(nproc) cores; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
# Which vector units each side can use decides much of the table (synmix picks AVX-512, AVX2 or
# the baseline at run time; PyTorch says which kernels it dispatches to).
lscpu | grep -E '^(Model name|CPU family|Model|Flags):' | sed 's/:  */: /'
"$VENV/bin/python" -c 'import torch; print("PyTorch", torch.__version__, "CPU capability", torch.backends.cpu.get_cpu_capability())'
for round in $(seq "$ROUNDS"); do
    busy=$(busy_cores)
    echo "round $round: $busy cores busy before it; load average $(cut -d' ' -f1-3 /proc/loadavg)"
    if awk -v b="$busy" -v m="$IDLE_MAX" 'BEGIN { exit !(b > m) }'; then
        touch "$out/loaded"
    fi
    sides=(synmix torch)
    [ $((round % 2)) -eq 0 ] && sides=(torch synmix)
    [ -n "$BASELINE" ] && sides=(before "${sides[@]}")
    for shape in $SHAPES; do
        for model in $MODELS; do
            for side in "${sides[@]}"; do
                run_cell "$side" "$round" "$model" "$shape"
            done
        done
    done
done
echo "after the last round: load average $(cut -d' ' -f1-3 /proc/loadavg)"
if [ -e "$out/loaded" ] && [ -z "$FORCE" ]; then
    echo "not reporting: other work used the cores (more than $IDLE_MAX of a core) before a round;" >&2
    echo "stop it and run again, or FORCE=1 to print figures marked as not a result" >&2
    exit 1
fi
"${torch[@]}" table "$out"
