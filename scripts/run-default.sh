#!/usr/bin/env bash
# `make run`: the main job on the bundled default model — the Fashion-MNIST classifier in models/fashion —
# described by `dla info` and run on the host FP32 reference executor over the bundled sample images.
set -euo pipefail
build=${1:-build}
dla="$build/bin/dla"
model=models/fashion/fashion_resnet.onnx
samples=models/fashion/samples
if [ ! -f "$model" ]; then
  echo "run-default: the bundled model $model is missing" >&2
  exit 1
fi
echo "== dla info $model --summary"
"$dla" info "$model" --summary
echo
labels=()
[ -f "$samples/labels.txt" ] && mapfile -t labels < "$samples/labels.txt"
classes=(T-shirt/top Trouser Pullover Dress Coat Sandal Shirt Sneaker Bag Ankle-boot)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
correct=0; total=0
for f in "$samples"/input_*.npy; do
  i=${f##*/input_}; i=${i%.npy}
  line=$("$dla" run "$model" --input "input=$f" --output-dir "$out" --top 1 | grep 'top-1')
  pred=$(echo "$line" | sed -E 's/.*top-1: ([0-9]+).*/\1/')
  want=${labels[$i]:-?}
  mark=""
  if [ "$want" != "?" ]; then
    total=$((total + 1))
    if [ "$pred" = "$want" ]; then correct=$((correct + 1)); mark="ok"; else mark="MISS (label ${classes[$want]})"; fi
  fi
  echo "sample $i: predicted ${classes[$pred]} (class $pred) $mark"
done
echo
echo "host FP32 executor: $correct of $total bundled samples classified as labelled"
