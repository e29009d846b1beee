#!/bin/bash
# The full-pipeline detectors end to end with host fallback: `dla exec --fp16 --allowGPUFallback --exportOutput`
# (backbone and heads on the DLA, decoding/TopK/NMS in HOST tasks, data-dependent outputs returned with their actual
# shapes) against `dla run` (host FP32) on the same structured input; tests/dyn_compare.py matches each host top-10
# detection to a DLA one of the same class with a close box. Skips (77) without cache/models or numpy.
# Usage: dyn_pipelines.sh DLA_TOOL
set -u
DLA=${1:?usage: dyn_pipelines.sh DLA_TOOL}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=/usr/bin/python3
CACHE=$ROOT/cache/models
SSD=$CACHE/ssd_mobilenet_v1_300_bs2_full.onnx
RET=$CACHE/retinanet_resnext50_800_bs1_full.onnx
if [ ! -f "$SSD" ] || [ ! -f "$RET" ]; then
    echo "SKIP: $SSD or $RET missing (make models)"; exit 77
fi
$PY -c "import numpy" 2>/dev/null || { echo "SKIP: no numpy"; exit 77; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail=0
# name model input-name shape
run_one() {
    local tag=$1 model=$2 iname=$3 shape=$4
    $PY - "$TMP/${tag}_in.npy" "$shape" <<'PYEOF' || return 1
import sys
import numpy as np
n, c, h, w = (int(v) for v in sys.argv[2].split(","))
yy, xx = np.mgrid[0:h, 0:w] / max(h, w)
img = np.zeros((n, c, h, w), np.float32)
rng = np.random.default_rng(0)
for b in range(n):
    for ch in range(c):
        img[b, ch] = np.sin(6 * xx + 2 * ch + b) * np.cos(4 * yy - ch) * 0.8
    for k in range(5):
        x0, y0 = rng.integers(0, w - 60), rng.integers(0, h - 60)
        s = rng.integers(20, min(h, w) // 3)
        img[b, :, y0:y0 + s, x0:x0 + s] = rng.uniform(-1, 1, (c, 1, 1))
np.save(sys.argv[1], img)
PYEOF
    local t0=$SECONDS
    if ! "$DLA" exec --onnx="$model" --useDLACore=0 --fp16 --allowGPUFallback --iterations=1 --warmUp=0 \
        --duration=0 --loadInputs="$iname:$TMP/${tag}_in.npy" --exportOutput="$TMP/${tag}_dla" >"$TMP/$tag.log" 2>&1; then
        echo "FAIL $tag: dla exec"; tail -5 "$TMP/$tag.log"; return 1
    fi
    grep -E "Layers running on DLA|Loadable:" "$TMP/$tag.log" | head -3 | cut -c1-160
    if ! "$DLA" run "$model" --input "$iname=$TMP/${tag}_in.npy" --output-dir "$TMP/${tag}_host" >"$TMP/$tag.run.log" 2>&1; then
        echo "FAIL $tag: dla run"; tail -5 "$TMP/$tag.run.log"; return 1
    fi
    echo -n "$tag ($((SECONDS - t0)) s): "
    $PY "$ROOT/tests/dyn_compare.py" "$TMP/${tag}_dla" "$TMP/${tag}_host" 10 0.9
}
run_one ssd "$SSD" "Preprocessor/sub:0" 2,3,300,300 || fail=1
run_one retinanet "$RET" input 1,3,800,800 || fail=1
exit $fail
