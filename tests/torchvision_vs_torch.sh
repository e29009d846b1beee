#!/usr/bin/env bash
# dla run vs torch on torchvision classifiers (random weights with realistic batch-norm statistics, opset 13):
# every output within rtol 1e-3 (relative to the output's largest magnitude, plus 1e-4 absolute).
# Needs Debian's python3-torch/torchvision (label: models). Models are cached in cache/models/.
set -u
dla=$1; shift
root=$(cd "$(dirname "$0")/.." && pwd)
py=/usr/bin/python3
if ! "$py" -c "import torch, torchvision, onnx" 2>/dev/null; then
  echo "torch/torchvision/onnx not importable by $py: skipped"; exit 77
fi
models=${*:-resnet18 mobilenet_v2 squeezenet1_0 shufflenet_v2_x1_0 googlenet densenet121 efficientnet_b0 resnext50_32x4d mnasnet0_5 regnet_x_400mf}
fail=0
for m in $models; do
  dir="$root/cache/models/$m"
  if [ ! -f "$dir/expected_0.npy" ]; then
    "$py" "$root/models/export_torchvision.py" "$m" "$root/cache/models/$m.onnx" --inputs "$dir" --num-inputs 1 >/dev/null || { echo "FAIL $m: export failed"; fail=1; continue; }
  fi
  out=$(mktemp -d)
  if ! "$dla" run "$root/cache/models/$m.onnx" --input "input=$dir/input_0.npy" --output-dir "$out" >/dev/null; then
    echo "FAIL $m: dla run failed"; fail=1; rm -rf "$out"; continue
  fi
  "$py" - "$out/output.npy" "$dir/expected_0.npy" "$m" <<'PY' || fail=1
import sys, numpy as np
got, want, name = np.load(sys.argv[1]), np.load(sys.argv[2]), sys.argv[3]
scale = float(np.abs(want).max())
err = float(np.abs(got - want).max())
ok = got.shape == want.shape and err <= 1e-3 * scale + 1e-4
cos = float((got * want).sum() / (np.linalg.norm(got) * np.linalg.norm(want) + 1e-30))
print(f"{'PASS' if ok else 'FAIL'} {name}: max |err| {err:.3g} (max |y| {scale:.3g}), cosine {cos:.7f}")
sys.exit(0 if ok else 1)
PY
  rm -rf "$out"
done
exit $fail
