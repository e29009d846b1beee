#!/usr/bin/env bash
# `dla exec` (and the dlaexec alias) on the command line, with trtexec's flags:
#   - every command-line error exits 2 and names the flag (both flags for a conflict, the limit for a bad value);
#   - build failures exit 1 naming the layer or the file;
#   - the bundled Fashion-MNIST model builds with --fp16 and with --int8 --calibData (--skipInference), as a DLA
#     standalone loadable with DLA I/O formats (and not with fp32 I/O), and runs: --saveEngine then --loadEngine
#     gives the same outputs (--exportOutput) as a direct build + run; layer info and profile exports are JSON.
set -u
dla=$1
alias_bin="$(dirname "$dla")/dlaexec"
root=$(cd "$(dirname "$0")/.." && pwd)
model="$root/models/fashion/fashion_resnet.onnx"
samples="$root/models/fashion/samples"
[ -f "$model" ] || { echo "no $model"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }
expect() {
  local want=$1; shift
  "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  [ $rc = "$want" ] || bad "'$*' exited $rc, expected $want: $(head -c 600 "$tmp/err")"
}
has() { grep -qF -- "$2" "$tmp/$1" || bad "$1 of the last command lacks '$2': $(head -c 400 "$tmp/$1")"; }
M="--onnx=$model"
D="--useDLACore=0"

# ---- command-line errors: exit 2, naming the flag(s) and the limit -------------------------------------------
expect 2 "$dla" exec "$M" --bogus;                          has err "unknown flag '--bogus'"
expect 2 "$alias_bin" "$M" --bogus;                         has err "unknown flag '--bogus'"
expect 2 "$dla" exec "$M" --loadEngine="$tmp/x.dla";        has err "--loadEngine and --onnx conflict"
expect 2 "$dla" exec;                                       has err "no model"
expect 2 "$dla" exec "$model";                              has err "unexpected argument"
expect 2 "$dla" exec --onnx;                                has err "--onnx needs a value"
expect 2 "$dla" exec "$M" --useDLACore=5;                   has err "--useDLACore=5"; has err "0 or 1"
expect 2 "$dla" exec "$M" --useDLACore=x;                   has err "--useDLACore=x"
expect 2 "$dla" exec "$M" $D --buildDLAStandalone --allowGPUFallback
has err "--buildDLAStandalone and --allowGPUFallback conflict"
expect 2 "$dla" exec "$M" --buildDLAStandalone --inputIOFormats=fp16:chw16 --outputIOFormats=fp16:chw16
has err "--buildDLAStandalone needs --useDLACore"
expect 2 "$dla" exec "$M" --int8;                           has err "--int8 needs --useDLACore"
expect 2 "$dla" exec "$M" --fp16;                           has err "--fp16 needs --useDLACore"
expect 2 "$dla" exec "$M" --best;                           has err "--best needs --useDLACore"
expect 2 "$dla" exec "$M" $D --int8 --calib=a --calibData=b; has err "--calib and --calibData conflict"
expect 2 "$dla" exec "$M" $D --memPoolSize=dlaSRAM:3K;      has err "power of two of at least 4 KiB"
expect 2 "$dla" exec "$M" $D --memPoolSize=dlaLocalDRAM:1000; has err "dlaLocalDRAM:1000 is 1048576000 bytes"
expect 2 "$dla" exec "$M" $D --memPoolSize=dlaGlobalDRAM:1X; has err "--memPoolSize=dlaGlobalDRAM:1X"
expect 2 "$dla" exec "$M" $D --memPoolSize=dlaSRAM;         has err "is not POOL:SIZE"
expect 2 "$dla" exec "$M" $D --memPoolSize=fancyPool:1;     has err "unknown pool 'fancyPool'"
expect 0 "$dla" exec "$M" $D --sparsity=force --skipInference; has err "applies to INT8 convolutions only" # test_sparsity_cli.sh
expect 2 "$dla" exec "$M" $D --sparsity=sometimes;          has err "expected disable, enable or force"
expect 2 "$dla" exec "$M" $D --inputIOFormats=fp32:chw16;   has err "chw16 holds fp16 only"
expect 2 "$dla" exec "$M" $D --int8 --outputIOFormats=fp16:chw32; has err "chw32 holds int8 only"
expect 2 "$dla" exec "$M" $D --outputIOFormats=fp16:dla_hwc4; has err "dla_hwc4 is an input format only"
expect 2 "$dla" exec "$M" $D --inputIOFormats=int8:chw32;   has err "needs --int8"
expect 2 "$dla" exec "$M" $D --inputIOFormats=bf16:chw;     has err "type 'bf16' is not supported"
expect 2 "$dla" exec "$M" $D --inputIOFormats=fp16:hwc8;    has err "'hwc8' is a GPU format"
expect 2 "$dla" exec "$M" $D --inputIOFormats=fp16;         has err "is not TYPE:FORMAT"
expect 2 "$dla" exec "$M" --inputIOFormats=fp16:chw16;      has err "needs --useDLACore"
expect 2 "$dla" exec "$M" $D --buildDLAStandalone;          has err "--buildDLAStandalone needs DLA I/O formats, but --inputIOFormats is fp32:chw"
expect 2 "$dla" exec "$M" $D --buildDLAStandalone --inputIOFormats=fp16:chw16
has err "--outputIOFormats is fp32:chw"
expect 2 "$dla" exec "$M" $D --buildDLAStandalone --inputIOFormats=fp16:chw --outputIOFormats=fp16:chw16
has err "--buildDLAStandalone: --inputIOFormats=fp16:chw is not a DLA format"
expect 2 "$dla" exec "$M" $D --iterations=0;                has err "--iterations expects a number from 1"
expect 2 "$dla" exec "$M" $D --iterations=2.5;              has err "--iterations expects a whole number"
expect 2 "$dla" exec "$M" $D --warmUp=-1;                   has err "--warmUp expects a number from 0"
expect 2 "$dla" exec "$M" $D --duration=soon;               has err "--duration expects a number from 0"
expect 2 "$dla" exec "$M" $D --precisionConstraints=maybe;  has err "expected none, prefer or obey"
expect 2 "$dla" exec "$M" $D --layerPrecisions=a:fp64;      has err "'fp64' for 'a' is not one of fp32, fp16, int8"
expect 2 "$dla" exec "$M" $D --layerDeviceTypes=a:CPU;      has err "'CPU' for 'a' is not one of GPU, DLA"
expect 2 "$dla" exec "$M" --layerDeviceTypes=a:GPU;         has err "--layerDeviceTypes needs --useDLACore"
expect 2 "$dla" exec "$M" $D --shapes=input:8x;             has err "--shapes: '8x' for 'input'"
expect 2 "$dla" exec "$M" $D --shapes=1x1x28x28;            has err "is not NAME:VALUE"
expect 2 "$dla" exec "$M" $D --loadInputs=input;            has err "'input' is not NAME:FILE.npy"
expect 2 "$dla" exec "$M" $D --loadInputs=input:x.bin;      has err "reads .npy or ONNX TensorProto .pb"
expect 2 "$dla" exec "$M" $D --minShapes=input:1x1x28x28;   has err "dlakit builds static shapes"
expect 2 "$dla" exec "$M" $D --profilingVerbosity=loud;     has err "--profilingVerbosity=loud"
expect 0 "$dla" exec --help;                                has out "--buildDLAStandalone"
expect 0 "$alias_bin" --help;                               has out "usage: dla exec"

# ---- failures of the build itself: exit 1 -------------------------------------------------------------------
expect 1 "$dla" exec --onnx="$tmp/missing.onnx" $D --skipInference; has err "$tmp/missing.onnx"
printf 'not a loadable' >"$tmp/junk.dla"
expect 1 "$dla" exec --loadEngine="$tmp/junk.dla" $D;       has err "junk.dla"
expect 1 "$dla" exec --loadEngine="$tmp/none.dla" $D;       has err "none.dla"
topk=/usr/share/libonnx-testdata/data/node/test_top_k/model.onnx
if [ -f "$topk" ]; then  # TopK has no DLA path: without --allowGPUFallback the build fails naming the layer
  expect 1 "$dla" exec --onnx="$topk" $D --skipInference;   has err "--allowGPUFallback"; has out "TopK"
fi

[ "${EXEC_CLI_ERRORS_ONLY:-0}" = 1 ] && { [ $fail = 0 ] && echo "exec_cli: error paths passed"; exit $fail; }

# ---- builds of the bundled model (--skipInference) -------------------------------------------------------------
expect 0 "$dla" exec "$M" $D --fp16 --skipInference --shapes=input:1x1x28x28
has out "Layers running on DLA"; has out "Skipped inference phase"; has out "&&&& PASSED"; has out "FP16"
has out "=== Build Options ==="
expect 0 "$dla" exec "$M" $D --int8 --calibData="$samples" --skipInference --saveEngine="$tmp/int8.dla" \
  --dumpLayerInfo --exportLayerInfo="$tmp/layers.json"
has out "Layers running on DLA: {ForeignNode["; has out "INT8"; has out "Engine saved to $tmp/int8.dla"
has out "/stem/stem.0/Conv + /Relu + /pool/MaxPool"
grep -q "fused DLA layers: [1-9][0-9]* INT8, 0 FP16" "$tmp/out" || bad "--int8 --calibData: not every layer INT8"
[ -s "$tmp/int8.dla" ] || bad "--saveEngine wrote no $tmp/int8.dla"
"$dla" inspect "$tmp/int8.dla" >/dev/null 2>&1 || bad "dla inspect refuses the saved engine"
grep -q '"Layers"' "$tmp/layers.json" || bad "--exportLayerInfo: no \"Layers\" in $tmp/layers.json"
if /usr/bin/python3 -c 'import json' 2>/dev/null; then
  /usr/bin/python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$tmp/layers.json" ||
    bad "--exportLayerInfo wrote invalid JSON"
fi
expect 0 "$dla" exec "$M" $D --int8 --skipInference;        has err "RANDOM INPUTS"
has err "Automatically overriding shape to: 1x1x28x28"
expect 0 "$dla" exec "$M" --skipInference;                  has out "forced to the GPU"; has out "0 on DLA"
expect 0 "$dla" exec "$M" $D --fp16 --skipInference --memPoolSize=dlaSRAM:1,dlaLocalDRAM:64M,dlaGlobalDRAM:0.25G
has out "dlaSRAM: 1 MiB, dlaLocalDRAM: 64 MiB, dlaGlobalDRAM: 256 MiB"

# per-layer device and precision requests reach the builder
expect 0 "$dla" exec "$M" $D --fp16 --allowGPUFallback --layerDeviceTypes=/res1/Add:GPU --skipInference
has out "Add '/res1/Add': forced to the GPU by --layerDeviceTypes"; has out "(2 DLA, 3 HOST)"
expect 0 "$dla" exec "$M" $D --int8 --calibData="$samples" --layerPrecisions=/stem/stem.0/Conv:fp16 \
  --precisionConstraints=obey --skipInference
has out "fused DLA layers: 0 INT8"
expect 1 "$dla" exec "$M" $D --int8 --calibData="$samples" --layerPrecisions=nosuch:fp16 --skipInference
has err "no layer is named 'nosuch'"

# ---- standalone: DLA I/O formats only ---------------------------------------------------------------------------
expect 2 "$dla" exec "$M" $D --buildDLAStandalone --saveEngine="$tmp/sa.dla"
has err "--buildDLAStandalone needs DLA I/O formats"
expect 0 "$dla" exec "$M" $D --buildDLAStandalone --inputIOFormats=fp16:chw16 --outputIOFormats=fp16:chw16 \
  --saveEngine="$tmp/sa.dla"
has out "--buildDLAStandalone implies --skipInference"; has out "(1 DLA, 0 HOST)"; has out "DLA standalone"
[ -s "$tmp/sa.dla" ] || bad "standalone: no loadable written"
# a standalone loadable runs on a standalone device (chw16 in, chw16 out)
expect 0 "$dla" exec --loadEngine="$tmp/sa.dla" $D --iterations=1 --warmUp=0 --duration=0 --checkFP32="$model"
has out "binding for input with dimensions 1x1x28x28 (fp16:chw16"; has out "top-1 agreement 1/1"

# ---- run: direct build + run == --saveEngine then --loadEngine --------------------------------------------------
run_flags=(--iterations=2 --warmUp=0 --duration=0 --loadInputs=input:"$samples/input_3.npy")
expect 0 "$dla" exec "$M" $D --int8 --calibData="$samples" --allowGPUFallback --saveEngine="$tmp/run.dla" \
  --exportOutput="$tmp/direct" --exportProfile="$tmp/profile.json" --dumpProfile "${run_flags[@]}"
has out "=== Performance summary ==="; has out "Throughput:"; has out "percentile(99%)"; has out "not Orin's"
has out "=== Profile (2 iterations) ==="; has out "[HOST] reformat"
[ -s "$tmp/direct/logits.npy" ] || bad "--exportOutput wrote no $tmp/direct/logits.npy"
grep -q '"count" : 2' "$tmp/profile.json" 2>/dev/null || bad "--exportProfile: no count"
grep -q '"name" : "/stem/stem.0/Conv + /Relu + /pool/MaxPool"' "$tmp/profile.json" 2>/dev/null ||
  bad "--exportProfile: no fused stem layer"
expect 0 "$dla" exec --loadEngine="$tmp/run.dla" $D --exportOutput="$tmp/loaded" "${run_flags[@]}"
cmp -s "$tmp/direct/logits.npy" "$tmp/loaded/logits.npy" || bad "--loadEngine outputs differ from the direct run"
expect 0 "$alias_bin" --loadEngine="$tmp/run.dla" --useDLACore=1 --exportOutput="$tmp/loaded.json" "${run_flags[@]}"
grep -q '"dimensions" : "1x10"' "$tmp/loaded.json" || bad "--exportOutput=FILE.json: not trtexec's JSON"
expect 1 "$dla" exec --loadEngine="$tmp/run.dla" $D --loadInputs=nosuch:"$samples/input_3.npy" --iterations=1
has err "the engine has no input 'nosuch'"
expect 1 "$dla" exec --loadEngine="$tmp/run.dla" $D --loadInputs=input:"$samples/input_batch8.npy" --iterations=1
has err "input 'input' needs 784 values (1x1x28x28)"
# FP16 on the engine agrees with the host FP32 executor; --loadEngine finds the model in the build info
expect 0 "$dla" exec "$M" $D --fp16 --checkFP32 "${run_flags[@]}"
has out "top-1 agreement 1/1"
cos=$(sed -nE "s/.*checkFP32 'logits': cosine ([0-9.]+).*/\1/p" "$tmp/out")
awk -v c="${cos:-0}" 'BEGIN { exit !(c >= 0.9999) }' || bad "FP16 engine vs FP32: cosine $cos < 0.9999"
expect 0 "$dla" exec --loadEngine="$tmp/run.dla" $D --checkFP32 "${run_flags[@]}"
has out "checkFP32: reference model $model"; has out "top-1 agreement 1/1"
cos=$(sed -nE "s/.*checkFP32 'logits': cosine ([0-9.]+).*/\1/p" "$tmp/out")
awk -v c="${cos:-0}" 'BEGIN { exit !(c >= 0.98) }' || bad "INT8 engine vs FP32: cosine $cos < 0.98"
# --noDataTransfers leaves H2D/D2H out of the loop
expect 0 "$dla" exec --loadEngine="$tmp/run.dla" $D --noDataTransfers "${run_flags[@]}"
grep -q "H2D Latency" "$tmp/out" && bad "--noDataTransfers still reports H2D"

# integer outputs of host layers keep their type (ArgMax's int64 indices), inputs may be ONNX .pb tensors
am=/usr/share/libonnx-testdata/data/node/test_argmax_default_axis_random
if [ -d "$am" ]; then
  expect 0 "$dla" exec --onnx="$am/model.onnx" $D --allowGPUFallback --loadInputs=data:"$am/test_data_set_0/input_0.pb" \
    --iterations=1 --warmUp=0 --duration=0 --exportOutput="$tmp/am" --checkFP32
  has out "result with dimensions 1x3x4 (int64:chw"; has out "max |engine - FP32| 0 "
  grep -aq "'descr': '<i8'" "$tmp/am/result.npy" || bad "ArgMax's int64 output not exported as int64"
fi

[ $fail = 0 ] && echo "exec_cli: all checks passed"
exit $fail
