#!/bin/bash
# dla perf from the command line on the tracked models: dynamic input dims default to 1 (with a note), --batch,
# --save then the same prediction from the .dla, --json, and clear errors (non-zero exit, the flag or file named)
# for a bad power mode, platform, missing file and a truncated loadable.
DLA=${1:?usage: perf_cli.sh path/to/dla}
M=models/fashion/fashion_resnet.onnx
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }

out=$("$DLA" perf "$M" --int8 2>&1) || bad "dla perf $M --int8 failed: $out"
grep -q "dynamic input dimensions set to 1" <<<"$out" || bad "no note on the dynamic dims"
grep -q "GPU (host)" <<<"$out" && bad "the classifier should run whole on the DLA"
grep -Eq "MACs per image: 0\.0[0-9]*[1-9]" <<<"$out" || bad "no MACs predicted: $(grep MACs <<<"$out")"

j=$("$DLA" perf "$M" --int8 --batch 4 --cores 2 --save="$TMP/f.dla" --json) || bad "--batch 4 --json failed"
/usr/bin/python3 -c '
import json, sys
d = json.loads(sys.argv[1])
assert d["batch"] == 4 and d["cores"] == 2, (d["batch"], d["cores"])
assert d["images_per_s"] > 0 and len(d["per_layer"]) == d["layers"] > 0
' "$j" || bad "JSON: batch/cores/layers"
j2=$("$DLA" perf "$TMP/f.dla" --cores 2 --json) || bad "prediction from the saved .dla failed"
/usr/bin/python3 -c '
import json, sys
a, b = json.loads(sys.argv[1]), json.loads(sys.argv[2])
assert abs(a["images_per_s"] - b["images_per_s"]) < 1e-6 * a["images_per_s"], (a["images_per_s"], b["images_per_s"])
' "$j" "$j2" || bad "the .dla and the ONNX predictions differ"

# --sparsity=enable from ONNX: convs whose weights already carry the 2:4 pattern are built and timed sparse
/usr/bin/python3 - "$M" "$TMP/pruned.onnx" <<'PY' || bad "could not write a 2:4-pruned copy of $M"
import sys
import numpy as np
import onnx
from onnx import numpy_helper
m = onnx.load(sys.argv[1])
for init in m.graph.initializer:
    w = numpy_helper.to_array(init).copy()  # conv KCRS and Gemm [out, in] (transB) weights, along C / in
    if w.ndim in (2, 4) and w.shape[1] > 64 and w.shape[1] % 4 == 0:
        g = w.reshape((w.shape[0], w.shape[1] // 4, 4) + w.shape[2:])
        np.put_along_axis(g, np.argsort(-np.abs(g), axis=2, kind="stable")[:, :, 2:], 0, axis=2)
        init.CopyFrom(numpy_helper.from_array(g.reshape(w.shape), init.name))
onnx.save(m, sys.argv[2])
PY
sparse_convs() { "$DLA" perf "$1" --int8 --sparsity=enable --json |
    /usr/bin/python3 -c 'import json, sys; print(sum(l["sparse_convs"] for l in json.load(sys.stdin)["per_layer"]))'; }
[ "$(sparse_convs "$TMP/pruned.onnx")" -ge 1 ] || bad "--sparsity=enable: the pruned model's eligible conv is not sparse"
[ "$(sparse_convs "$M")" -eq 0 ] || bad "--sparsity=enable: a dense model ran sparse"

expect_fail() { # substring command...
    local want=$1; shift
    local o
    if o=$("$@" 2>&1); then bad "$* succeeded"; return; fi
    grep -q -- "$want" <<<"$o" || bad "$*: message lacks '$want': $o"
}
expect_fail "5W" "$DLA" perf "$TMP/f.dla" --power-mode 5W
expect_fail "tpu" "$DLA" perf "$TMP/f.dla" --platform tpu
expect_fail "nope.onnx" "$DLA" perf "$TMP/nope.onnx"
head -c 300 "$TMP/f.dla" > "$TMP/cut.dla"
expect_fail "cut.dla: format error" "$DLA" perf "$TMP/cut.dla"
expect_fail "--cores" "$DLA" perf "$TMP/f.dla" --cores 3
exit $fail
