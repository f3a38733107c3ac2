#!/usr/bin/env bash
# Peak resident memory (GNU time's "Maximum resident set size") and throughput of import,
# generate, mix and a training run, at two image sizes whose pixel bytes are about a factor of
# ten apart (the row counts are the same), to show which stages' memory grows with the data.
#
#   scripts/peak-memory.sh [WORK_DIR]       SYNMIX=path/to/synmix to measure another build
#
# The small size is Fashion-MNIST as it is (28x28, grey); the large one is 128x128 RGB (63x the
# pixel bytes). A build with the --memory option also runs mix and train within a 16 MiB budget,
# smaller than the data at both sizes: what stays in memory then does not grow with the images.
# Each mix is also checked against its budget: what synmix holds (peak minus the baseline of a
# mix of 10 rows of the same inputs) must stay under --memory, or the default budget.
set -euo pipefail
cd "$(dirname "$0")/.."
SYNMIX=${SYNMIX:-target/release/synmix}
WORK=${1:-$(mktemp -d)}
GEN_ROWS=${GEN_ROWS:-20000}
MIX_ROWS=${MIX_ROWS:-10000}
BUDGETED=$("$SYNMIX" mix --help | grep -q -- '--memory' && echo 16 || true)
mkdir -p "$WORK"

# measure LABEL ROWS COMMAND...: one table line; throughput is ROWS over the wall time.
measure() {
  local label=$1 rows=$2
  shift 2
  local log="$WORK/time.log"
  /usr/bin/time -v -o "$log" "$@" >/dev/null 2>"$WORK/stderr.log" || {
    echo "$label failed:" >&2
    cat "$WORK/stderr.log" >&2
    exit 1
  }
  local kb secs
  kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
  secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$log" |
    awk -F: '{ if (NF == 3) print $1 * 3600 + $2 * 60 + $3; else print $1 * 60 + $2 }')
  LAST_MB=$((kb / 1024))
  awk -v l="$label" -v kb="$kb" -v s="$secs" -v n="$rows" \
    'BEGIN { printf "| %-28s | %8.0f | %7.1f | %9.0f |\n", l, kb / 1024, s, n / s }'
}

# The default memory budget (datasets::memory::default_budget): a sixteenth of the machine's
# memory, 64 to 256 MiB.
DEFAULT_MIB=$(awk '/MemTotal/ { m = $2 / 1024 / 16; print int(m < 64 ? 64 : m > 256 ? 256 : m) }' /proc/meminfo)

# held LABEL BUDGET_MIB: what the mix just measured held beyond the baseline, against its budget.
held() {
  awk -v l="$1" -v peak="$LAST_MB" -v base="$BASE_MB" -v b="$2" 'BEGIN {
    h = peak - base; printf "|   %-26s | held %4.0f MB of a %4d MiB budget (%s)\n", l, h, b, h <= b * 1.048576 ? "ok" : "OVER" }'
}

echo "| command                      | peak MB  | wall s  | images/s  |"
echo "|------------------------------|----------|---------|-----------|"
for spec in 28x28:1 128x128:3; do
  size=${spec%:*} channels=${spec#*:}
  d="$WORK/$size"
  rm -rf "$d"
  mkdir -p "$d"
  measure "import fashion-mnist $size" 70000 \
    "$SYNMIX" -q import fashion-mnist --size "$size" --channels "$channels" --out "$d/real"
  measure "generate $GEN_ROWS $size" "$GEN_ROWS" \
    "$SYNMIX" -q generate --preset fashion --count "$GEN_ROWS" --size "$size" \
    --channels "$channels" --device cpu --out "$d/syn"
  # The baseline: loading and checking the inputs, which any mix of them does.
  measure "  baseline: mix of 10 rows" 60 \
    "$SYNMIX" -q mix --synthetic "$d/syn" --real "$d/real" --size 10 --shares 0,0.5,1 \
    --out "$d/mix-baseline"
  BASE_MB=$LAST_MB
  # Three shares of MIX_ROWS rows each, six subsets (SM and FT): 6 × MIX_ROWS rows written.
  measure "mix 3 shares x $MIX_ROWS $size" $((6 * MIX_ROWS)) \
    "$SYNMIX" -q mix --synthetic "$d/syn" --real "$d/real" --size "$MIX_ROWS" \
    --shares 0,0.5,1 --out "$d/mix"
  held "default budget" "$DEFAULT_MIB"
  if [ -n "$BUDGETED" ]; then
    measure "  same, --memory $BUDGETED" $((6 * MIX_ROWS)) \
      "$SYNMIX" -q mix --synthetic "$d/syn" --real "$d/real" --size "$MIX_ROWS" \
      --shares 0,0.5,1 --memory "$BUDGETED" --out "$d/mix-budget"
    held "--memory $BUDGETED" "$BUDGETED"
  fi
  # One epoch of the MLP over the 50% subset, scored on the 10,000 real test images.
  measure "train mlp 1 epoch $size" "$MIX_ROWS" \
    "$SYNMIX" -q train --data "$d/mix/sm-r050" --test "$d/real" --model mlp --epochs 1 \
    --out "$d/run"
  if [ -n "$BUDGETED" ]; then
    measure "  same, --memory $BUDGETED" "$MIX_ROWS" \
      "$SYNMIX" -q train --data "$d/mix/sm-r050" --test "$d/real" --model mlp --epochs 1 \
      --memory "$BUDGETED" --out "$d/run-budget"
  fi
done
