#!/usr/bin/env bash
# `dla calib` on the command line: calibrating the bundled Fashion-MNIST CNN on its sample inputs writes a TensorRT
# calibration cache (header, one "<tensor>: <hex>" line per tensor, a scale for every Conv output), --show reads it
# back, random inputs warn, and bad flags / malformed caches fail with the file and line named.
set -u
dla=$1
root=$(cd "$(dirname "$0")/.." && pwd)
model="$root/models/fashion/fashion_resnet.onnx"
samples="$root/models/fashion/samples"
[ -f "$model" ] || { echo "no $model"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }
expect() {
  local want=$1; shift
  "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  [ $rc = "$want" ] || bad "'$*' exited $rc, expected $want: $(head -c 400 "$tmp/err")"
}
has() { grep -qF -- "$2" "$tmp/$1" || bad "$1 of the last command lacks '$2'"; }

for method in max percentile:99.9 entropy; do
  expect 0 "$dla" calib "$model" --calibData="$samples" --out="$tmp/fm.cache" --method=$method
  has out "wrote $tmp/fm.cache"
  has out "/stem/stem.0/Conv_output_0"
  head -1 "$tmp/fm.cache" | grep -qx 'TRT-8601-EntropyCalibration2' || bad "$method: header is '$(head -1 "$tmp/fm.cache")'"
  tail -n +2 "$tmp/fm.cache" | grep -vqE '^[^ ].*: [0-9a-f]{1,8}$' && bad "$method: a cache line is not '<name>: <hex>'"
  n=$(tail -n +2 "$tmp/fm.cache" | wc -l)
  [ "$n" -ge 21 ] || bad "$method: $n scales, expected >= 21"
  for conv in $(/usr/bin/python3 -c "
import onnx, sys
m = onnx.load(sys.argv[1])
print(' '.join(n.output[0] for n in m.graph.node if n.op_type == 'Conv'))" "$model" 2>/dev/null); do
    grep -q -- "^$conv: " "$tmp/fm.cache" || bad "$method: no scale for Conv output $conv"
  done
done
expect 0 "$dla" calib --show "$tmp/fm.cache"
has out "TRT-8601-EntropyCalibration2"
has out "/res1/Add_output_0"
# random inputs: a loud warning, still a cache
expect 0 "$dla" calib "$model" --out="$tmp/r.cache" --quiet
has err "calibrating on random inputs: INT8 accuracy will be meaningless"
has out "RANDOM inputs"
# errors
expect 2 "$dla" calib "$model" --method=minmax
has err "unknown calibration method 'minmax'"
expect 2 "$dla" calib "$model" --bogus
expect 2 "$dla" calib
expect 1 "$dla" calib "$model" --calibData="$tmp/nothing"
has err "$tmp/nothing"
printf 'TRT-8601-EntropyCalibration2\nx: 3f800000\ny: zz\n' >"$tmp/bad.cache"
expect 1 "$dla" calib --show "$tmp/bad.cache"
has err "$tmp/bad.cache:3:"
[ $fail = 0 ] && echo "calib_cli: all checks passed"
exit $fail
