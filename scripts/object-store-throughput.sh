#!/usr/bin/env bash
# Import, mix, a training epoch and a small bench with the data (and the bench directory) on a
# local S3-compatible server (moto, from the test environment) against the same on the local
# disk; prints a Markdown table.
#   bash scripts/object-store-throughput.sh [ROWS]      (default 20000 training images)
# Needs `cargo build --release` and `python3 scripts/interop-venv.py .venv` first.
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/.."
rows=${1:-20000}
synmix=$PWD/target/release/synmix
python=$PWD/.venv/bin/python
work=$(mktemp -d)
port=$("$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$python" -m moto.server -H 127.0.0.1 -p "$port" >/dev/null 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
export AWS_ENDPOINT_URL=http://127.0.0.1:$port AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench AWS_REGION=us-east-1
until "$python" -c "import socket; socket.create_connection(('127.0.0.1', $port))" 2>/dev/null; do sleep 0.2; done
"$python" -c "import boto3; boto3.client('s3').create_bucket(Bucket='throughput')"

# Fashion-MNIST-sized IDX input: 28x28 grey images of noise over a class pattern.
"$python" - "$work/raw" "$rows" <<'EOF'
import os, random, struct, sys
out, rows = sys.argv[1], int(sys.argv[2])
os.makedirs(out)
random.seed(0)
for prefix, count in (("train", rows), ("t10k", rows // 6)):
    labels = bytes(i % 10 for i in range(count))
    pixels = bytes((labels[i // 784] * 20 + random.randrange(64)) & 255 for i in range(count * 784))
    open(f"{out}/{prefix}-images-idx3-ubyte", "wb").write(struct.pack(">IIII", 2051, count, 28, 28) + pixels)
    open(f"{out}/{prefix}-labels-idx1-ubyte", "wb").write(struct.pack(">II", 2049, count) + labels)
EOF

echo "load average at the start: $(cut -d' ' -f1-3 /proc/loadavg), cores: $(nproc)"
echo
seconds() { local start=$(date +%s.%N); "$@" >/dev/null; echo "$(date +%s.%N) - $start" | bc; }
echo "| step | disk (s) | object store (s) | disk images/s | object store images/s |"
echo "|---|---|---|---|---|"
row() { printf '| %s | %.2f | %.2f | %.0f | %.0f |\n' "$1" "$2" "$3" "$(echo "$4 / $2" | bc -l)" "$(echo "$4 / $3" | bc -l)"; }
for place in disk s3; do
  at=$work; [ $place = s3 ] && at=s3://throughput
  t_import[$([ $place = s3 ] && echo 1 || echo 0)]=$(seconds "$synmix" import fashion-mnist --from "$work/raw" --out "$at/real" -q)
  "$synmix" generate --preset fashion --per-class $((rows / 10)) --out "$at/synthetic" -q >/dev/null
  t_mix[$([ $place = s3 ] && echo 1 || echo 0)]=$(seconds "$synmix" mix --synthetic "$at/synthetic" --real "$at/real" --size "$rows" --shares 0,0.5,1 --out "$at/mix" -q)
  # --memory 8: the split is streamed from its shards window by window, not decoded up front.
  t_train[$([ $place = s3 ] && echo 1 || echo 0)]=$(seconds "$synmix" train --data "$at/mix/sm-r050" --test "$at/real" --model mlp --epochs 1 --memory 8 --out "$work/run-$place" -q)
  # A whole bench, its directory where its data is: render, mix, 4 MLP runs of one epoch, report.
  cat > "$work/bench-$place.toml" <<EOF
name = "throughput"
shares = "0,0.5,1"
seeds = [0]
architectures = ["mlp"]
strategies = ["sm", "ft"]

[data]
size = $rows
synthetic_test_per_class = 20

[train]
epochs = 1
batch_size = 64
learning_rate = 0.001
optimizer = "adam"
schedule = "cosine"
warmup = 0.1

[[pairs]]
name = "near"
real = { dataset = "$at/real" }
synthetic = { preset = "fashion" }
EOF
  t_bench[$([ $place = s3 ] && echo 1 || echo 0)]=$(SYNMIX_WORK_DIR="$work/working-copies" seconds "$synmix" bench --config "$work/bench-$place.toml" --out "$at/bench" --device cpu -q)
done
# The same epoch streamed from the server through the optional local cache of row groups.
t_cached=$(SYNMIX_CACHE_DIR="$work/cache" seconds "$synmix" train --data s3://throughput/mix/sm-r050 --test s3://throughput/real --model mlp --epochs 1 --memory 8 --out "$work/run-cached" -q)
row "import ($rows + $((rows / 6)) images)" "${t_import[0]}" "${t_import[1]}" $((rows + rows / 6))
row "mix (4 subsets of $rows rows)" "${t_mix[0]}" "${t_mix[1]}" $((4 * rows))
row "train 1 epoch, MLP, streamed (--memory 8)" "${t_train[0]}" "${t_train[1]}" "$rows"
row "the same, object store through SYNMIX_CACHE_DIR" "${t_train[0]}" "$t_cached" "$rows"
row "bench: render, mix, 4 runs, report (bench --out there too)" "${t_bench[0]}" "${t_bench[1]}" $((4 * rows))
echo
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg), cores: $(nproc)"
