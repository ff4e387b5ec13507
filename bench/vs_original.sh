#!/usr/bin/env bash
# Side by side: the original's transform (sagemaker_pyspark 1.4.5, its venv built as
# ../shared/original_bench/README.md says) and smspark's (bench/vs_original.py: Spark's floor,
# maxConcurrency 4, "auto" and 1) against ONE stub endpoint, interleaved ROUNDS times, then
# the table of medians. The load average is printed before and after each round: other work
# on the machine moves every figure. Usage, from the project root:
#   bench/vs_original.sh OUTDIR [ROUNDS] [CASES] [P] [MODES]
#   bench/vs_original.sh /tmp/cmp 3 20000x784,200000x10 2
#   bench/vs_original.sh /tmp/cmp8 2 20000x784,200000x10 8
set -u
out=${1:?outdir}; rounds=${2:-2}; cases=${3:-20000x784,200000x10}; p=${4:-2}
modes=${5:-floor,4,auto,1}
here=$(cd "$(dirname "$0")" && pwd); project=$(dirname "$here")
anchors=${ORIGINAL_BENCH:-$project/../shared/original_bench}
orig=${ORIGINAL_VENV:-/tmp/original-bench/venv}
py=$project/.venv/bin/python
mkdir -p "$out"
$orig/bin/python "$anchors/stub_endpoint.py" --port 0 --latency-ms 0 --log-interval 0 \
  > "$out/stub.out" 2> "$out/stub.err" &
stub_pid=$!
trap 'kill $stub_pid' EXIT
for _ in $(seq 50); do grep -q LISTENING "$out/stub.out" 2>/dev/null && break; sleep 0.2; done
url=$(awk '/LISTENING/{print $2}' "$out/stub.out")
echo "stub $url pid $stub_pid"
for r in $(seq "$rounds"); do
  echo "round $r: load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/load.txt"
  (cd "$anchors/sagemaker_pyspark" && PYSPARK_PYTHON=$orig/bin/python \
    PYSPARK_DRIVER_PYTHON=$orig/bin/python $orig/bin/python transform_bench.py \
    --stub-url "$url" --partitions "$p" --cases "$cases" --no-wrapper-check \
    --json "$out/anchor_$r.json" > "$out/anchor_$r.log" 2>&1) || echo "original round $r failed"
  PYSPARK_PYTHON=$py PYSPARK_DRIVER_PYTHON=$py "$py" "$here/vs_original.py" --stub-url "$url" \
    --cases "$cases" --partitions "$p" --modes "$modes" --json "$out/smspark_$r.json" \
    > "$out/smspark_$r.log" 2>&1 || echo "smspark round $r failed"
done
echo "end: load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/load.txt"
"$py" "$here/vs_original.py" --table "$out"
