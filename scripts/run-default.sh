#!/usr/bin/env bash
# `make run`: the main job on the bundled default model — the Fashion-MNIST classifier in models/fashion.
#   1. compile it for DLA core 0 with `dla exec --int8 --allowGPUFallback`, calibrating INT8 on the bundled sample
#      images (max calibration), and save the loadable (BUILD/fashion_int8.dla);
#   2. run the loadable on the software DLA over the 8 bundled test images (one batch), timing it as trtexec does;
#   3. print the placement summary, the loadable's path, and the INT8 engine's agreement with the host FP32
#      executor on those images (top-1 agreement, cosine of the logits) and with the images' labels.
set -euo pipefail
build=${1:-build}
dla="$build/bin/dla"
dir=models/fashion
model=$dir/fashion_resnet.onnx
samples=$dir/samples
engine=$build/fashion_int8.dla
for f in "$model" "$samples/input_batch8.npy" "$samples/labels.txt"; do
  [ -f "$f" ] || { echo "run-default: $f is missing" >&2; exit 1; }
done
[ -x "$dla" ] || { echo "run-default: $dla is not built (make build)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The model is built for batch 8; the calibrator reads files holding a multiple of it: the 8 images as one batch.
mkdir -p "$tmp/calib"
ln -s "$(cd "$samples" && pwd)/input_batch8.npy" "$tmp/calib/input_batch8.npy"

build_cmd=("$dla" exec --onnx="$model" --useDLACore=0 --int8 --allowGPUFallback --calibData="$tmp/calib"
           --shapes=input:8x1x28x28 --saveEngine="$engine" --skipInference --dumpLayerInfo)
echo "== build: dla exec --onnx=$model --useDLACore=0 --int8 --allowGPUFallback --calibData=<the 8 bundled images>"
echo "            --shapes=input:8x1x28x28 --saveEngine=$engine"
if ! "${build_cmd[@]}" >"$tmp/build.log" 2>"$tmp/build.err"; then
  cat "$tmp/build.log" "$tmp/build.err" >&2
  echo "run-default: the build failed" >&2
  exit 1
fi
grep -vE '^\[W\] Dynamic dimensions' "$tmp/build.err" || true
grep -E '^Layers running on|^\[I\] (Placement|Loadable|Layer information|  \[|Engine built|Engine saved)' "$tmp/build.log"

run_cmd=("$dla" exec --loadEngine="$engine" --useDLACore=0 --loadInputs=input:"$samples/input_batch8.npy"
         --checkFP32="$model" --warmUp=100 --iterations=20 --duration=1 --exportOutput="$tmp/out")
echo
echo "== run: dla exec --loadEngine=$engine --useDLACore=0 --loadInputs=input:$samples/input_batch8.npy --checkFP32"
if ! "${run_cmd[@]}" >"$tmp/run.log" 2>"$tmp/run.err"; then
  cat "$tmp/run.log" "$tmp/run.err" >&2
  echo "run-default: the run failed" >&2
  exit 1
fi
cat "$tmp/run.err"
grep -E '^\[I\] (Created|checkFP32 .logits|Throughput|Latency|Note)' "$tmp/run.log"

line=$(grep -m1 "checkFP32 'logits'" "$tmp/run.log")
cosine=$(sed -nE "s/.*cosine ([0-9.]+).*/\1/p" <<<"$line")
agree=$(sed -nE "s/.*top-1 agreement ([0-9]+\/[0-9]+).*/\1/p" <<<"$line")
read -r -a eng <<<"$(sed -nE 's/.*engine top-1: ([0-9 ]+);.*/\1/p' <<<"$line")"
read -r -a ref <<<"$(sed -nE 's/.*FP32 top-1: ([0-9 ]+)\).*/\1/p' <<<"$line")"
echo
ok_eng=0 ok_ref=0 total=0
while read -r idx label name; do
  e=${eng[$idx]:-?} r=${ref[$idx]:-?}
  total=$((total + 1))
  [ "$e" = "$label" ] && ok_eng=$((ok_eng + 1))
  [ "$r" = "$label" ] && ok_ref=$((ok_ref + 1))
  printf "image %s: engine INT8 class %s, host FP32 class %s, label %s (%s)%s\n" "$idx" "$e" "$r" "$label" "$name" \
    "$([ "$e" = "$label" ] && echo "" || echo "  <- engine wrong")"
done <"$samples/labels.txt"

placement=$(sed -nE 's/^\[I\] Placement: (.*)/\1/p' "$tmp/build.log")
loadable=$(sed -nE 's/^\[I\] Loadable: (.*)/\1/p' "$tmp/build.log")
echo
echo "== summary"
echo "placement:  $placement"
echo "loadable:   $engine ($(wc -c <"$engine") bytes): $loadable"
echo "INT8 engine vs host FP32 executor on the 8 bundled test images: top-1 agreement $agree, cosine of the logits $cosine"
echo "labels:     engine INT8 $ok_eng/$total correct, host FP32 $ok_ref/$total correct"
# the performance model's prediction for the same loadable on Orin (docs/perf-model.md)
for mode in MAXN 15W; do
  "$dla" perf "$engine" --power-mode "$mode" >"$tmp/perf_$mode.txt" || { echo "run-default: dla perf failed" >&2; exit 1; }
done
lat() { sed -nE 's/^Latency: ([0-9.]+) ms.*/\1/p' "$tmp/perf_$1.txt"; }
ips() { sed -nE 's/^Throughput: ([0-9.]+) images.*/\1/p' "$tmp/perf_$1.txt"; }
echo "Orin DLA (predicted, one core): $(lat MAXN) ms per batch of 8 at MAXN ($(ips MAXN) images/s), $(lat 15W) ms at 15W"
echo "            ($(ips 15W) images/s): dla perf $engine --power-mode MAXN|15W"
echo "(INT8 scales: max calibration on the same 8 images; times above are the software engine's on this machine,"
echo " not Orin's. Inspect the loadable with: $dla inspect $engine)"
