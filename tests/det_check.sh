#!/usr/bin/env bash
# The bundled synthetic-shapes detector (models/detect) on the host executor reproduces torch's outputs on the
# committed samples: the DLA part (detect_heads.onnx, the three fused head maps) and the full pipeline
# (detect_full.onnx: decoding, softmax, NonMaxSuppression, TopK, Gather -> boxes, scores, labels, counts and the
# NMS selection).
set -u
dla=$1
root=$(cd "$(dirname "$0")/.." && pwd)
dir=$root/models/detect
[ -f "$dir/detect_full.onnx" ] && [ -f "$dir/detect_heads.onnx" ] || { echo "bundled detector missing: skipped"; exit 77; }
fail=0; n=0
for f in "$dir"/samples/input_*.npy; do
  k=${f##*/input_}; k=${k%.npy}
  s=$dir/samples
  "$dla" run "$dir/detect_heads.onnx" --input "image=$f" \
    --expect "head_s8=$s/expected_head_s8_$k.npy" --expect "head_s16=$s/expected_head_s16_$k.npy" \
    --expect "head_s32=$s/expected_head_s32_$k.npy" || fail=1
  args=()
  for o in boxes scores labels num_detections selected_indices; do
    args+=(--expect "$o=$s/expected_${o}_$k.npy")
  done
  "$dla" run "$dir/detect_full.onnx" --input "image=$f" "${args[@]}" || fail=1
  n=$((n + 1))
done
[ "$n" -gt 0 ] || { echo "no samples found"; exit 1; }
exit $fail
