#!/usr/bin/env bash
# dla run vs torch on small modules that exercise the shape family (tests/shape_torch.py), exported at opsets
# 11, 13 and 16: every output within 1e-3 of its largest magnitude. Needs Debian's python3-torch (label: models).
set -u
dla=$1
root=$(cd "$(dirname "$0")/.." && pwd)
py=/usr/bin/python3
if ! "$py" -c "import torch, onnx" 2>/dev/null; then
  echo "torch/onnx not importable by $py: skipped"; exit 77
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$py" "$root/tests/shape_torch.py" "$dir/m" >/dev/null 2>&1 || { echo "FAIL: export failed"; exit 1; }
fail=0
for f in "$dir"/m/*.onnx; do
  b=$(basename "$f" .onnx); k=${b%_*}
  if r=$("$dla" run "$f" --input "input=$dir/m/${k}_in.npy" --output-dir "$dir/o" \
           --expect "output=$dir/m/${k}_out.npy" 2>&1); then
    echo "PASS $b"
  else
    echo "FAIL $b: $(echo "$r" | grep -v '^wrote' | tail -1)"; fail=1
  fi
done
exit $fail
