#!/usr/bin/env bash
# Exports the torchvision classifiers with 32 calibration inputs (when absent) and runs test_e2e_engine on them:
# FP16 cosine >= 0.9999 and INT8 (max calibration on the 32 inputs) cosine >= 0.98 vs the host FP32 executor.
#   e2e_engine.sh TEST_E2E_ENGINE [NAME...]
set -u
bin=$1; shift
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 1
py=/usr/bin/python3
models=${*:-resnet18 resnet50 mobilenet_v2 squeezenet1_0 googlenet efficientnet_b0 shufflenet_v2_x1_0 densenet121 regnet_x_400mf mnasnet0_5 resnext50_32x4d}
have_torch=1
"$py" -c "import torch, torchvision, onnx" 2>/dev/null || have_torch=0
ready=""
for m in $models; do
  if [ ! -f "cache/models/$m.onnx" ] || [ ! -f "cache/models/$m/input_31.npy" ]; then
    if [ $have_torch = 0 ]; then
      echo "$m: not exported and torch/torchvision/onnx are not importable by $py: skipped"; continue
    fi
    "$py" models/export_torchvision.py "$m" "cache/models/$m.onnx" --inputs "cache/models/$m" --num-inputs 32 \
      >/dev/null || { echo "FAIL $m: export failed"; exit 1; }
  fi
  ready="$ready $m"
done
[ -n "$ready" ] || exit 77
exec "$bin" $ready
