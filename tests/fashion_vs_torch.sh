#!/usr/bin/env bash
# The bundled Fashion-MNIST classifier on the host executor reproduces torch's logits on the committed samples.
set -u
dla=$1
root=$(cd "$(dirname "$0")/.." && pwd)
dir=$root/models/fashion
[ -f "$dir/fashion_resnet.onnx" ] || { echo "bundled model missing: skipped"; exit 77; }
fail=0; n=0
for f in "$dir"/samples/input_*.npy; do
  k=${f##*/input_}; k=${k%.npy}
  "$dla" run "$dir/fashion_resnet.onnx" --input "input=$f" --expect "logits=$dir/samples/expected_logits_$k.npy" || fail=1
  n=$((n + 1))
done
[ "$n" -gt 0 ] || { echo "no samples found"; exit 1; }
exit $fail
