#!/usr/bin/env bash
# The detectors' full pipelines (box decoding, TopK, NonMaxSuppression, Gather as ONNX ops) run end to end in
# `dla run` and give torch's detections (models/refnets/reference_outputs.py --compare: same counts, scores within
# 1e-4, boxes within 1e-3 of their scale; near-tied neighbours may swap). Builds the models into cache/models and
# torch's reference outputs into cache/models/refnets_ref/ when missing. Needs python3-torch (else: skip).
# usage: refnets_pipelines.sh PATH/TO/dla [NETWORK ...]   (labels: models;slow)
set -u
dla=$1; shift
root=$(cd "$(dirname "$0")/.." && pwd)
py=/usr/bin/python3
if ! "$py" -c "import torch, torchvision, onnx" 2>/dev/null; then
  echo "torch/torchvision/onnx not importable by $py: skipped"; exit 77
fi
nets=${*:-ssd_mobilenet_v1 ssd_resnet34 retinanet_resnet34 retinanet_resnext50}
models="$root/cache/models"
fail=0
for net in $nets; do
  "$py" "$root/models/refnets/build_all.py" --out "$models" --only "$net" 2>/dev/null || { echo "FAIL $net: build failed"; fail=1; continue; }
  file=$("$py" -c "import json,sys; print([e['file'] for e in json.load(open(sys.argv[1]))['files'] if e.get('script','').endswith('/$net.py') and e['file'].endswith('_full.onnx')][0])" "$models/summary.json")
  ref="$models/refnets_ref/$net"
  if [ ! -f "$ref/manifest.json" ] || [ "$models/$file" -nt "$ref/manifest.json" ]; then
    "$py" "$root/models/refnets/reference_outputs.py" "$net" "$ref" || { echo "FAIL $net: torch reference failed"; fail=1; continue; }
  fi
  in_name=$("$py" -c "import json,sys; print(json.load(open(sys.argv[1]))['input_name'])" "$ref/manifest.json")
  out=$(mktemp -d)
  if ! "$dla" run "$models/$file" --input "$in_name=$ref/input.npy" --output-dir "$out" >/dev/null; then
    echo "FAIL $net: dla run $file failed"; fail=1; rm -rf "$out"; continue
  fi
  "$py" "$root/models/refnets/reference_outputs.py" --compare "$out" "$ref" || fail=1
  rm -rf "$out"
done
exit $fail
