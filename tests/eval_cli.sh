#!/usr/bin/env bash
# `dla eval` on the command line:
#   - the bundled Fashion-MNIST model on the committed 1,000-image subset: FP32 top-1 is exactly 928/1000 (92.80 %,
#     the figure ONNX Runtime gives, models/README.md), top-5 999/1000; the same through --images/--labels;
#   - --compare on a slice (calibration on the first images, evaluated after them): three runs, the INT8 engine
#     really INT8 (fused layers INT8), within 2 points of FP32 on 200 images, the calibration set named;
#   - a saved loadable evaluated directly; JSON output; gzip IDX when Debian's Fashion-MNIST is installed;
#   - the bundled detector (when committed) on its evaluation subset: mAP in [0, 1], FP32 mAP >= 0.5;
#   - errors name the flag or the file, exit 2 (command line) or 1 (data).
set -u
dla=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
root=$(cd "$(dirname "$0")/.." && pwd)
model="$root/models/fashion/fashion_resnet.onnx"
samples="$root/models/fashion/samples"
[ -f "$model" ] && [ -f "$samples/eval_images_u8.npy" ] || { echo "no bundled Fashion-MNIST model: skipped"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }
expect() {
  local want=$1; shift
  "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  [ $rc = "$want" ] || bad "'$*' exited $rc, expected $want: $(head -c 800 "$tmp/err")"
}
has() { grep -qF -- "$2" "$tmp/$1" || bad "$1 of the last command lacks '$2': $(head -c 600 "$tmp/$1")"; }
N="--mean 0.2860 --std 0.3530"

# ---- FP32 on the committed subset: a known number ---------------------------------------------------------------
expect 0 "$dla" eval "$model" --dataset "$samples" $N --json
has out '"correct_top1": 928,'
has out '"correct_top5": 999}'
has out '"images": 1000,'
has out '"name": "FP32 reference"'
expect 0 "$dla" eval "$model" --images "$samples/eval_images_u8.npy" --labels "$samples/eval_labels.npy" \
  --scale=1/255 --mean=0.2860 --std=0.3530 --batch 7 --no-progress
has out '| FP32 reference | host executor | 92.80 % | 99.90 % |'
# the table is also written while --json=FILE saves the document
expect 0 "$dla" eval "$model" --dataset "$samples" $N --limit 100 --top 3 --json="$tmp/r.json"
has out '| top-3 |'
grep -qF '"correct_top3":' "$tmp/r.json" || bad "--json=FILE lacks correct_top3"
if command -v python3 >/dev/null; then
  python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$tmp/r.json" || bad "--json=FILE is not valid JSON"
fi

# ---- --compare: FP32 vs engine FP16 vs engine INT8 (calibrated on images 0..99, evaluated on 100..299) --------
expect 0 "$dla" eval "$model" --dataset "$samples" $N --compare --calib-from-dataset=100 --limit 200 --json="$tmp/c.json"
has out 'images:      200 of 1000 ([100, 300))'
has out 'calibration: max calibrator'
has out 'first 100 images of the dataset (disjoint: evaluation starts at image 100)'
has out '| engine FP16 | software DLA + host fallback |'
has out '| engine INT8 | software DLA + host fallback |'
grep -E '^engine INT8 .* \(([1-9][0-9]*) INT8, 0 FP16\)' "$tmp/out" >/dev/null || bad "the INT8 engine is not INT8: $(grep '^engine INT8' "$tmp/out")"
if command -v python3 >/dev/null; then
  python3 - "$tmp/c.json" <<'EOF' || bad "compare JSON: FP16 must match FP32 top-1 within 0.5 points, INT8 within 2"
import json, sys
r = json.load(open(sys.argv[1]))["runs"]
f32, f16, i8 = (x["top1"] for x in r)
assert [x["name"] for x in r] == ["FP32 reference", "engine FP16", "engine INT8"], r
assert abs(f16 - f32) <= 0.005 and abs(i8 - f32) <= 0.02, (f32, f16, i8)
assert r[2]["top1_agreement_with_fp32"] >= 0.97, r[2]
EOF
fi
# INT8 alone, calibrated from a folder of .npy inputs (the bundled samples)
expect 0 "$dla" eval "$model" --dataset "$samples" $N --int8 --calibData="$samples" --limit 64 --batch 16
has out 'over the .npy inputs in'
has out '| engine INT8 |'

# ---- a saved loadable --------------------------------------------------------------------------------------------
(cd "$tmp" && "$dla" exec --onnx="$model" --useDLACore=0 --fp16 --allowGPUFallback --shapes=input:8x1x28x28 \
   --saveEngine="$tmp/f8.dla" --skipInference >/dev/null 2>&1) || bad "dla exec --saveEngine failed"
expect 0 "$dla" eval "$tmp/f8.dla" --dataset "$samples" $N --limit 100 --json
has out '"batch": 8,'
has out '"precision": "fp16"'
expect 2 "$dla" eval "$tmp/f8.dla" --dataset "$samples" $N --compare
has err "is a loadable"

# ---- Debian's gzip IDX test set (when installed): the first 1,000 test images are the committed subset ----------
idx=/usr/share/datasets/fashion-mnist
if [ -f "$idx/t10k-images-idx3-ubyte.gz" ]; then
  expect 0 "$dla" eval "$model" --dataset "$idx" $N --limit 1000 --json
  has out '"correct_top1": 928,'
  has out 'IDX (gzip)'
  has out 't10k-labels-idx1-ubyte.gz'
fi

# ---- the bundled detector, when committed ------------------------------------------------------------------------
det="$root/models/detect"
if [ -f "$det/detect_full.onnx" ] && [ -f "$det/data/test_images_u8.npy" ]; then
  expect 0 "$dla" eval "$det/detect_full.onnx" --dataset "$det/data" --limit 20 --json
  has out '"task": "detection"'
  if command -v python3 >/dev/null; then
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["runs"][0]; assert 0.5 <= r["map"] <= 1 and r["map"] <= r["map50"], r' \
      "$tmp/out" || bad "detector FP32 mAP on 20 images out of range: $(head -c 600 "$tmp/out")"
  fi
  # the DLA part (detect_heads.onnx) + the host post-processing cut from the full pipeline (--post): the same FP32
  # detections as the full pipeline, and the engines run through it
  if /usr/bin/python3 -c 'import onnx' 2>/dev/null; then
    /usr/bin/python3 "$root/scripts/onnx_post.py" "$det/detect_full.onnx" "$tmp/post.onnx" \
      --inputs head_s8=/det/heads.0/Conv_output_0,head_s16=/det/heads.1/Conv_output_0,head_s32=/det/heads.2/Conv_output_0 \
      >/dev/null || bad "onnx_post.py failed"
    full_map=$(grep -o '"map": [0-9.]*' "$tmp/out")
    expect 0 "$dla" eval "$det/detect_heads.onnx" --post "$tmp/post.onnx" --dataset "$det/data" --limit 20 --json
    has out "$full_map"
    expect 0 "$dla" eval "$det/detect_heads.onnx" --post "$tmp/post.onnx" --dataset "$det/data" --compare \
      --calib-from-dataset=10 --limit 10
    has out '| engine INT8 | software DLA + host fallback | 0.'
    expect 1 "$dla" eval "$det/detect_heads.onnx" --post "$model" --dataset "$det/data" --limit 2
    has err "--post $model: input 'input' is no output of the model (outputs: 'head_s8' 'head_s16' 'head_s32')"
  fi
fi

# ---- errors --------------------------------------------------------------------------------------------------------
expect 2 "$dla" eval;                                        has err "usage: dla eval"
expect 2 "$dla" eval "$model" --bogus;                       has err "unknown option '--bogus'"
expect 2 "$dla" eval "$model" --dataset "$samples" --scale x; has err "--scale: 'x' is not a number"
expect 2 "$dla" eval "$model" --dataset "$samples" --std 0;  has err "--std: '0' is not non-zero"
expect 2 "$dla" eval "$model" --dataset "$samples" --batch 0; has err "--batch"
expect 2 "$dla" eval "$model" --dataset "$samples" --calib-method=bogus; has err "--calib-method"
expect 2 "$dla" eval "$model" --dataset "$samples" --calib-from-dataset=10 --calibData="$samples"
has err "give one calibration set"
expect 1 "$dla" eval "$model" --dataset "$tmp/nope";         has err "$tmp/nope: no such file or folder"
expect 2 "$dla" eval "$model" --dataset "$samples" --int8;   has err "INT8 needs a calibration set"
expect 1 "$dla" eval "$model" --dataset "$samples" --calib-from-dataset=1000 --compare
has err "leaves none of the 1000 images"
printf '\0\0\x0d\x01\0\0\0\x01\0' >"$tmp/x-images-idx3-ubyte"
expect 1 "$dla" eval "$model" --dataset "$tmp/x-images-idx3-ubyte" --labels "$samples/eval_labels.npy"
has err "$tmp/x-images-idx3-ubyte: IDX element type 0x0d"
expect 1 "$dla" eval "$model" --dataset "$samples" --output nope --limit 8; has err "no output 'nope'"
expect 1 "$dla" eval "$root/models/detect/../fashion/fashion_resnet.onnx" --images "$samples/input_0.npy" \
  --labels "$samples/eval_labels.npy"
has err "eval_labels.npy: classification labels must be [1]"
exit $fail
