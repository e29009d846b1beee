#!/usr/bin/env bash
# `dla ops` on the command line: the operator table (text, JSON), placement of the bundled Fashion-MNIST CNN,
# trtexec semantics (no --allowGPUFallback: exit 1 after the table, every blocking layer listed on stderr),
# --layerDeviceTypes errors, usage errors (exit 2), and valid JSON in every case.
set -u
dla=$1
root=$(cd "$(dirname "$0")/.." && pwd)
model="$root/models/fashion/fashion_resnet.onnx"
argmax=/usr/share/libonnx-testdata/data/node/test_argmax_default_axis_example/model.onnx
py=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }
# expect RC CMD...: runs CMD with stdout/stderr in $tmp/out, $tmp/err and checks its exit code
expect() {
  local want=$1; shift
  "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  [ $rc = "$want" ] || bad "'$*' exited $rc, expected $want: $(head -c 400 "$tmp/err")"
}
has() { grep -qF -- "$2" "$tmp/$1" || bad "$1 of the last command lacks '$2'"; }
json_ok() { "$py" -c "import json,sys; json.load(open(sys.argv[1]))" "$tmp/out" 2>/dev/null || bad "invalid JSON from the last command"; }

expect 0 "$dla" ops
has out "ONNX op"
grep -qE '^Conv +CONV +FP16, INT8 +native' "$tmp/out" || bad "the table lacks Conv on CONV, native"
expect 0 "$dla" ops --json
json_ok
"$py" - "$tmp/out" <<'PY' || fail=1
import json, sys
ops = json.load(open(sys.argv[1]))["operators"]
names = [o["op"] for o in ops]
assert names == sorted(names) and len(set(names)) == len(names), "operators not sorted/unique"
assert {o["how"] for o in ops} <= {"native", "rewrite", "build time", "host"}, "unknown 'how'"
PY
expect 0 "$dla" ops --markdown
has out "| ONNX op | on dlakit's DLA |"
expect 2 "$dla" ops --markdown "$model"
expect 2 "$dla" ops --bogus
expect 2 "$dla" ops --json --markdown
expect 2 "$dla" ops "$model" --maxSubgraphs=0
expect 0 "$dla" ops --help

# static shapes: the whole CNN on the DLA, in one subgraph, without fallback
expect 0 "$dla" ops "$model" --shapes=input:1x1x28x28
has out "20 on DLA"
has out "0 on GPU (0 MACs); 1 DLA subgraph"
has out "Layers running on DLA: {ForeignNode[/stem/stem.0/Conv..."
expect 0 "$dla" ops "$model" --shapes=input:1x1x28x28 --int8 --json
json_ok
# a forced GPU layer: two subgraphs, no fallback needed
expect 0 "$dla" ops "$model" --shapes=input:1x1x28x28 --layerDeviceTypes=/Relu_1:GPU
has out "2 DLA subgraphs"
has out "Layers running on GPU (host fallback): Relu '/Relu_1': forced to the GPU by --layerDeviceTypes"
expect 1 "$dla" ops "$model" --shapes=input:1x1x28x28 --layerDeviceTypes=/no/such:GPU
has err "--layerDeviceTypes: no layer named '/no/such'"
expect 1 "$dla" ops "$model" --shapes=input:1x1x28x28 --layerDeviceTypes=/Relu_1:CPU
has err "/Relu_1:CPU"

# dynamic shapes without fallback: the table still prints, then a build error listing every layer, exit 1
expect 1 "$dla" ops "$model"
has out "summary: "
has err "--shapes=input:1x1x28x28"
has err "cannot run on the DLA and GPU fallback is off"
has err "  Conv '/stem/stem.0/Conv': "
has err "  Relu '/res2/Relu_1': "
expect 1 "$dla" ops "$model" --json
json_ok
"$py" -c "import json,sys; r=json.load(open(sys.argv[1])); assert r['error'] and r['summary']['on_gpu'] == len([l for l in r['layers'] if l['device'] == 'GPU'])" "$tmp/out" || bad "JSON error case"

if [ -f "$argmax" ]; then
  expect 1 "$dla" ops "$argmax"
  has err "ArgMax"
  expect 0 "$dla" ops "$argmax" --allowGPUFallback
  has out "Layers running on GPU (host fallback): ArgMax"
fi
[ $fail = 0 ] && echo "dla ops: all command-line checks passed"
exit $fail
