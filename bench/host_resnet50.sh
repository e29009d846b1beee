#!/usr/bin/env bash
# Host FP32 throughput: dlakit's reference executor (`dla run`) against ONNX Runtime (CPU, node), same
# model, same thread count, alternating in N rounds on the same machine (the only kind of speed figure that
# holds on shared machines). Also measures each process's peak RSS and checks dlakit's output once against
# torch's.
#
#   bench/host_resnet50.sh [--rounds 3] [--iters 20] [--threads 2] [--model resnet50 | --onnx FILE.onnx]
#                          [--dla build/bin/dla] [--peer-only] [--no-check] [--out DIR]
#
# --model NAME exports torchvision NAME into cache/models/NAME.onnx (with BN statistics randomised, see
# models/export_torchvision.py) if missing, plus one random input and torch's output in cache/models/NAME_io/.
# --onnx FILE benchmarks an existing model instead (its input must be named "input"; give --input X.npy).
# The peer (onnxruntime-node) is installed once by ../shared/peer/setup.sh into $DLA_PEER_DIR or
# ~/.cache/dlakit-peer.
#
# The dlakit side runs
#     $DLA run MODEL --input input=X.npy --output-dir DIR --threads T $DLA_BENCH_FLAG K
# (DLA_BENCH_FLAG defaults to --bench) and reads the last JSON line it prints:
#     {"median_ms": .., "items_per_s": .., "peak_rss_mb": ..}
# The peer side runs  node ort.js bench MODEL --threads T --iters K  (prints the same fields but peak RSS).
# Peak RSS of both comes from /usr/bin/time -v when present, else from VmHWM in /proc/PID/status (polled).
# The table shows the /usr/bin/time (or VmHWM) figure for both, so they compare like for like; the node
# process's RSS includes node itself (~40-50 MB).
#
# Exit status: 0 when every requested part ran; 1 when dlakit could not run the model (the ORT half is still
# measured and printed); 2 on a usage or setup error.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
py=/usr/bin/python3
report="$py $root/bench/bench_report.py"

rounds=3 iters=20 threads=2 model=resnet50 onnx="" input="" expected="" dla="${DLA:-$root/build/bin/dla}"
peer_only=0 check=1 out=""
bench_flag=${DLA_BENCH_FLAG:---bench}
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --iters) iters=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --model) model=$2; shift 2 ;;
    --onnx) onnx=$2; shift 2 ;;
    --input) input=$2; shift 2 ;;
    --expected) expected=$2; shift 2 ;;
    --dla) dla=$2; shift 2 ;;
    --peer-only) peer_only=1; shift ;;
    --no-check) check=0; shift ;;
    --out) out=$2; shift 2 ;;
    -h|--help) sed -n '2,26p' "$0"; exit 0 ;;
    *) echo "host_resnet50.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

out=${out:-$root/cache/bench/host_$(basename "${onnx:-$model}" .onnx)_$(date +%Y%m%d_%H%M%S)_$$}
mkdir -p "$out"

# --- the model and a sample input -------------------------------------------------------------------------
if [ -z "$onnx" ]; then
  onnx=$root/cache/models/$model.onnx
  io=$root/cache/models/${model}_io
  if [ ! -f "$onnx" ] || [ ! -f "$io/input_0.npy" ]; then
    echo "# exporting $model -> $onnx" >&2
    $py "$root/models/export_torchvision.py" "$model" "$onnx" --inputs "$io" --num-inputs 1 >&2 || {
      echo "host_resnet50.sh: export of $model failed" >&2; exit 2; }
  fi
  input=${input:-$io/input_0.npy}
  expected=${expected:-$io/expected_0.npy}
fi
[ -f "$onnx" ] || { echo "host_resnet50.sh: no model $onnx" >&2; exit 2; }
if [ -z "$input" ]; then
  echo "host_resnet50.sh: --onnx needs --input X.npy (for the dlakit side)" >&2
  [ "$peer_only" = 1 ] || exit 2
fi

# --- the peer -------------------------------------------------------------------------------------------
peer_js=$root/../shared/peer/ort.js
DLA_PEER_DIR=$(bash "$root/../shared/peer/setup.sh") || { echo "host_resnet50.sh: peer setup failed" >&2; exit 2; }
export DLA_PEER_DIR

# --- measuring one process: its stdout, and peak RSS into a GNU-time-style file --------------------------
# measure STDOUT_FILE TIME_FILE CMD...
measure() {
  local so=$1 tf=$2; shift 2
  if [ -x /usr/bin/time ] && [ -z "${BENCH_NO_GNU_TIME:-}" ]; then
    /usr/bin/time -v -o "$tf" "$@" >"$so" 2>"$so.err"
    return $?
  fi
  "$@" >"$so" 2>"$so.err" &
  local pid=$! hwm=0 v
  while kill -0 "$pid" 2>/dev/null; do
    v=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
    [ -n "$v" ] && [ "$v" -gt "$hwm" ] && hwm=$v
    sleep 0.05
  done
  wait "$pid"; local rc=$?
  echo "Maximum resident set size (kbytes): $hwm" >"$tf"
  return $rc
}

echo "# model   $onnx ($(du -m "$onnx" | cut -f1) MB)"
echo "# machine $(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'); load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# threads $threads, $iters timed iterations per process, $rounds rounds; results in $out"

# --- can dlakit run it? (one plain run, output checked against torch's) ----------------------------------
dla_ok=0
if [ "$peer_only" = 0 ]; then
  if [ ! -x "$dla" ]; then
    echo "# dlakit: $dla not built; measuring ORT only" >&2
  else
    rm -rf "$out/dla_check"; mkdir -p "$out/dla_check"
    if measure "$out/dla_check.out" "$out/dla_check.time" \
         "$dla" run "$onnx" --input "input=$input" --output-dir "$out/dla_check" --threads "$threads"; then
      dla_ok=1
      got=$(ls "$out/dla_check"/*.npy 2>/dev/null | head -1)
      if [ "$check" = 1 ] && [ -n "$expected" ] && [ -f "$expected" ] && [ -n "$got" ]; then
        echo "# dlakit vs torch: $($report compare "$got" "$expected")"
      fi
    else
      echo "# dlakit cannot run this model yet:" >&2
      tail -5 "$out/dla_check.out.err" >&2
    fi
  fi
fi

# --- the rounds -------------------------------------------------------------------------------------------
rounds_file=$out/rounds.jsonl
: >"$rounds_file"
for r in $(seq 1 "$rounds"); do
  a='{}' b='{}'
  if [ "$dla_ok" = 1 ]; then
    if measure "$out/dla_$r.out" "$out/dla_$r.time" "$dla" run "$onnx" --input "input=$input" \
         --output-dir "$out/dla_out" --threads "$threads" $bench_flag "$iters"; then
      a=$($report parse "$out/dla_$r.out" "$out/dla_$r.time")
    else
      echo "# round $r: dlakit failed: $(tail -1 "$out/dla_$r.out.err")" >&2
    fi
  fi
  if measure "$out/ort_$r.out" "$out/ort_$r.time" node "$peer_js" bench "$onnx" --threads "$threads" --iters "$iters"; then
    b=$($report parse "$out/ort_$r.out" "$out/ort_$r.time")
  else
    echo "# round $r: ORT failed: $(tail -1 "$out/ort_$r.out.err")" >&2
  fi
  echo "{\"round\": $r, \"a\": $a, \"b\": $b}" >>"$rounds_file"
  echo "# round $r done" >&2
done

$report table dlakit ORT "$rounds_file" | tee "$out/table.txt"
[ "$peer_only" = 1 ] || [ "$dla_ok" = 1 ] || exit 1
exit 0
