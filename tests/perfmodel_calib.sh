#!/bin/bash
# The performance model against its targets (docs/perf-model.md), on the six reference networks built INT8 from
# ONNX with timing-only scales:
#   - every calibration point of orin-perf.md §2 (2 cores, MAXN and 15W images/s) within ±10%;
#   - the NVDLA nv_full ResNet-50 points (spreadsheet 10 GB/s, primer 20 GB/s; engine.md §1.8) within ±15%;
#   - the forced 2:4-sparse speedup at least as large at 15W as at MAXN for every network (DLA-SW README), and
#     never above 2x;
#   - two cores below 2x one core for ResNet-50 at MAXN (the shared DRAM);
#   - the full detection pipelines (host layers) predict.
DLA=${1:?usage: perfmodel_calib.sh path/to/dla}
M=cache/models
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail=0
NETS="retinanet_resnext50_800_bs1 resnet34_backbone_1280x768_bs1 retinanet_resnet34_1280x768_bs1
      ssd_resnet34_1200_bs1 resnet50_v15_224_bs2 ssd_mobilenet_v1_300_bs2"
for f in $NETS; do
    [ -f "$M/$f.onnx" ] || { echo "SKIP: $M/$f.onnx missing (make models)"; exit 77; }
done
ips() { # FILE args... -> images/s of the JSON report
    "$DLA" perf "$@" --json | /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["images_per_s"])'
}
within() { # label measured predicted tolerance%
    /usr/bin/python3 -c '
import sys
label, meas, pred, tol = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
e = (pred - meas) / meas * 100
print("%-44s measured %7.1f predicted %7.1f error %+6.1f%%" % (label, meas, pred, e))
sys.exit(0 if abs(e) <= tol else 1)' "$@"
}
check() { # stem mode measured: the ONNX build (its time is the `dla perf` time users see), saved for the rest
    local p
    p=$("$DLA" perf "$M/$1.onnx" --int8 --cores 2 --power-mode "$2" --save="$TMP/$1.dla" --json |
        /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["images_per_s"])') ||
        { echo "FAIL $1 $2: dla perf failed"; fail=1; return; }
    within "$1 $2" "$3" "$p" 10 || fail=1
}
check retinanet_resnext50_800_bs1 MAXN 78;      check retinanet_resnext50_800_bs1 15W 36
check resnet34_backbone_1280x768_bs1 MAXN 285;  check resnet34_backbone_1280x768_bs1 15W 121
check retinanet_resnet34_1280x768_bs1 MAXN 108; check retinanet_resnet34_1280x768_bs1 15W 45
check ssd_resnet34_1200_bs1 MAXN 83;            check ssd_resnet34_1200_bs1 15W 36
check resnet50_v15_224_bs2 MAXN 2037;           check resnet50_v15_224_bs2 15W 1072
check ssd_mobilenet_v1_300_bs2 MAXN 2664;       check ssd_mobilenet_v1_300_bs2 15W 1313

R50=$TMP/resnet50_v15_224_bs2.dla
for pt in "20GB 269" "10GB 140.6"; do
    set -- $pt
    p=$(ips "$R50" --platform nv_full --power-mode "$1" --batch 1) || { echo "FAIL nv_full $1"; fail=1; continue; }
    within "nv_full ResNet-50 $1/s" "$2" "$p" 15 || fail=1
done

for f in $NETS; do
    g=()
    for mode in MAXN 15W; do
        d=$(ips "$TMP/$f.dla" --cores 2 --power-mode $mode) && s=$(ips "$TMP/$f.dla" --cores 2 --power-mode $mode --sparsity=force) ||
            { echo "FAIL $f $mode sparse: dla perf failed"; fail=1; continue 2; }
        g+=("$(/usr/bin/python3 -c "print($s / $d)")")
    done
    /usr/bin/python3 -c '
import sys
f, a, b = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
ok = 1.0 <= a <= b <= 2.0
print("%-44s sparse speedup MAXN x%.3f 15W x%.3f %s" % (f, a, b, "ok" if ok else "FAIL (must grow, at most 2x)"))
sys.exit(0 if ok else 1)' "$f" "${g[0]}" "${g[1]}" || fail=1
done

one=$(ips "$R50" --cores 1) && two=$(ips "$R50" --cores 2) &&
    /usr/bin/python3 -c '
import sys
g = float(sys.argv[2]) / float(sys.argv[1])
print("ResNet-50 MAXN two cores / one core x%.2f %s" % (g, "ok" if 1.0 < g < 1.95 else "FAIL (DRAM-bound: below 2x)"))
sys.exit(0 if 1.0 < g < 1.95 else 1)' "$one" "$two" || fail=1

# The full pipelines (decoding, TopK and NMS on the GPU/host): an INT8 prediction must build (host I/O formats, the
# small logic subgraphs fed by bool tensors in FP16) and report the GPU layers.
for f in ssd_mobilenet_v1_300_bs2_full retinanet_resnet34_1280x768_bs1_full; do
    [ -f "$M/$f.onnx" ] || continue
    out=$("$DLA" perf "$M/$f.onnx" --int8 --cores 2 2>&1) || { echo "FAIL $f: dla perf failed: $out" | head -5; fail=1; continue; }
    grep -q "run on the GPU (host)" <<<"$out" || { echo "FAIL $f: no GPU layers reported"; fail=1; }
    grep -q "images/s" <<<"$out" || { echo "FAIL $f: no throughput"; fail=1; }
    echo "$f: $(grep -o '[0-9.]* images/s' <<<"$out")"
done
exit $fail
