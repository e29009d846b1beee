#!/usr/bin/env bash
# `make run`: the main job on the bundled default model — the Fashion-MNIST classifier in models/fashion —
# described by `dla info`, then run on the host FP32 reference executor over the 8 bundled test images (one
# batch), checked against torch's logits and the images' labels.
set -euo pipefail
build=${1:-build}
dla="$build/bin/dla"
dir=models/fashion
model=$dir/fashion_resnet.onnx
if [ ! -f "$model" ]; then
  echo "run-default: the bundled model $model is missing" >&2
  exit 1
fi
echo "== dla info $model --shapes=input:8x1x28x28 --summary"
"$dla" info "$model" --shapes=input:8x1x28x28 --summary
echo
echo "== dla run $model (host FP32 executor, batch of 8 test images)"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$dla" run "$model" --input "input=$dir/samples/input_batch8.npy" --output-dir "$out" --top 1 \
  --expect "logits=$dir/samples/expected_logits_batch8.npy" > "$out/log.txt"
grep -E "^(MATCH|MISMATCH)" "$out/log.txt"
correct=0; total=0
while read -r idx label name; do
  pred=$(sed -nE "s/^logits\[$idx\] top-1: ([0-9]+) .*/\1/p" "$out/log.txt")
  total=$((total + 1))
  if [ "$pred" = "$label" ]; then mark="ok"; correct=$((correct + 1)); else mark="MISS"; fi
  printf "image %s: predicted class %s, label %s (%s) %s\n" "$idx" "$pred" "$label" "$name" "$mark"
done < "$dir/samples/labels.txt"
echo
echo "host FP32 executor: $correct of $total bundled test images classified as labelled"
