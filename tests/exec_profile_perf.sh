#!/usr/bin/env bash
# `dla exec --dumpProfile / --exportProfile` with the performance model: a loadable of the bundled Fashion-MNIST
# model (FP16, GPU fallback: HOST reformat tasks around one DLA task) run with --loadEngine shows each DLA layer's
# predicted time (the same as `dla perf` on the loadable), the software engine's wall time beside it and the HOST
# tasks' host wall time; --perfPlatform / --perfPowerMode choose the model's setting, and a bad value fails naming
# the flag and the allowed values.
set -u
dla=$1
root=$(cd "$(dirname "$0")/.." && pwd)
model="$root/models/fashion/fashion_resnet.onnx"
[ -f "$model" ] || { echo "no $model"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }
expect() {
  local want=$1; shift
  "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  [ $rc = "$want" ] || bad "'$*' exited $rc, expected $want: $(head -c 600 "$tmp/err")"
}
has() { grep -qF -- "$2" "$tmp/$1" || bad "$1 of the last command lacks '$2': $(head -c 400 "$tmp/$1")"; }
RUN="--iterations=1 --warmUp=0 --duration=0"
STEM="/stem/stem.0/Conv + /Relu + /pool/MaxPool"

expect 0 "$dla" exec --onnx="$model" --useDLACore=0 --fp16 --allowGPUFallback --skipInference --saveEngine="$tmp/f.dla"
[ -s "$tmp/f.dla" ] || { echo "FAIL: no loadable"; exit 1; }

# predicted times (default: the loadable's target, Orin, at MAXN), equal to `dla perf`'s per-layer time
expect 0 "$dla" exec --loadEngine="$tmp/f.dla" $RUN --dumpProfile --exportProfile="$tmp/p.json"
has out "=== Profile (1 iteration) ==="
has out "Predicted: the performance model for orin MAXN, 1 core, batch 1"
has out "Pred.(ms)   Pred.(%)   Wall avg(ms)"
has out "[HOST] reformat"; has out "(host wall time)"; has out "Total DLA layers"
has out "Predicted inference on one DLA core:"
pred=$(grep -F -- "$STEM" "$tmp/out" | head -1 | awk '{print $2}')
expect 0 "$dla" perf "$tmp/f.dla"
perf_us=$(grep -F -- "/stem/stem.0/Conv" "$tmp/out" | head -1 | awk '{print $NF}')
awk -v a="$pred" -v b="$perf_us" 'BEGIN { d = a - b / 1000; exit !(a > 0 && d < 6e-5 && d > -6e-5) }' ||
  bad "the stem's predicted time in the profile ($pred ms) is not dla perf's ($perf_us us)"
# percentages of the DLA layers' total add up to 100
sum=$("$dla" exec --loadEngine="$tmp/f.dla" $RUN --dumpProfile 2>/dev/null |
      awk '/^\[I\] +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+   \// {s += $3} END {print s}')
awk -v s="$sum" 'BEGIN { exit !(s > 99.5 && s < 100.5) }' || bad "the DLA rows' percentages add up to $sum"
grep -q '"count" : 1, "predicted" : { "platform" : "orin", "powerMode" : "MAXN"' "$tmp/p.json" ||
  bad "--exportProfile: no predicted setting: $(head -c 300 "$tmp/p.json")"
grep -F -- "\"name\" : \"$STEM\", \"device\" : \"DLA\"" "$tmp/p.json" | grep -q '"wallAverageMs"' ||
  bad "--exportProfile: no predicted DLA row with its wall time"
grep -q '"name" : "\[HOST\] reformat[^"]*", "device" : "HOST"' "$tmp/p.json" || bad "--exportProfile: no HOST row"

# another power mode is slower; another platform
expect 0 "$dla" exec --loadEngine="$tmp/f.dla" $RUN --dumpProfile --perfPowerMode=15w
has out "orin 15W"
pred15=$(grep -F -- "$STEM" "$tmp/out" | head -1 | awk '{print $2}')
awk -v a="$pred15" -v b="$pred" 'BEGIN { exit !(a > b) }' || bad "15W ($pred15 ms) is not slower than MAXN ($pred ms)"
expect 0 "$dla" exec --loadEngine="$tmp/f.dla" $RUN --exportProfile="$tmp/x.json" --perfPlatform=xavier \
  --perfPowerMode=10W
grep -q '"platform" : "xavier", "powerMode" : "10W"' "$tmp/x.json" || bad "--perfPlatform=xavier: not in the JSON"

# bad values: exit 2 naming the flag and the allowed values (no profile file)
expect 2 "$dla" exec --loadEngine="$tmp/f.dla" $RUN --dumpProfile --perfPowerMode=5W --exportProfile="$tmp/b.json"
has err "--perfPowerMode=5W"; has err "MAXN, 50W, 30W or 15W"
[ -e "$tmp/b.json" ] && bad "a refused command wrote its profile"
expect 2 "$dla" exec --loadEngine="$tmp/f.dla" $RUN --dumpProfile --perfPlatform=tx2
has err "--perfPlatform=tx2"; has err "orin or xavier"
expect 2 "$dla" exec --loadEngine="$tmp/f.dla" $RUN --dumpProfile --perfPlatform=xavier --perfPowerMode=50W
has err "--perfPowerMode=50W with --perfPlatform=xavier"
expect 2 "$dla" exec --loadEngine="$tmp/f.dla" $RUN --dumpProfile --perfPowerMode
has err "--perfPowerMode needs a value"
# a mode the loadable's target lacks is refused by the model, naming the flag
expect 1 "$dla" exec --loadEngine="$tmp/f.dla" $RUN --dumpProfile --perfPowerMode=10W
has err "--perfPowerMode=10W"; has err "does not exist on orin"
exit $fail
