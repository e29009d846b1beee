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
expect 2 "$dla" exec "$M" $D --sparsity=force;              has err "not implemented yet"
expect 2 "$dla" exec "$M" $D --sparsity=enable;             has err "not implemented yet"
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
expect 0 "$dla" exec "$M" $D --fp16 --skipInference --shapes=input:8x1x28x28
has out "Layers running on DLA"; has out "Skipped inference phase"; has out "&&&& PASSED"
mkdir -p "$tmp/cal"; ln -s "$samples/input_batch8.npy" "$tmp/cal/input_batch8.npy"
expect 0 "$dla" exec "$M" $D --int8 --calibData="$tmp/cal" --shapes=input:8x1x28x28 --skipInference \
  --saveEngine="$tmp/int8.dla" --dumpLayerInfo --exportLayerInfo="$tmp/layers.json"
has out "by max calibration over $tmp/cal"; has out "INT8"; has out "Layers running on DLA"
[ -s "$tmp/int8.dla" ] || bad "--saveEngine wrote no $tmp/int8.dla"
grep -q '"Layers"' "$tmp/layers.json" || bad "--exportLayerInfo: no \"Layers\" in $tmp/layers.json"
/usr/bin/python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$tmp/layers.json" 2>/dev/null ||
  { command -v /usr/bin/python3 >/dev/null && bad "--exportLayerInfo wrote invalid JSON"; }
expect 0 "$dla" exec "$M" $D --int8 --skipInference;        has err "RANDOM INPUTS"
has err "Automatically overriding shape to: 1x1x28x28"

# ---- standalone: DLA I/O formats only ---------------------------------------------------------------------------
expect 2 "$dla" exec "$M" $D --buildDLAStandalone --saveEngine="$tmp/sa.dla"
has err "--buildDLAStandalone needs DLA I/O formats"
expect 0 "$dla" exec "$M" $D --buildDLAStandalone --inputIOFormats=fp16:chw16 --outputIOFormats=fp16:chw16 \
  --saveEngine="$tmp/sa.dla"
has out "--buildDLAStandalone implies --skipInference"
[ -s "$tmp/sa.dla" ] || bad "standalone: no loadable written"
"$dla" inspect "$tmp/sa.dla" >"$tmp/inspect" 2>&1 || bad "dla inspect of the standalone loadable failed"
grep -qiE "0 HOST|HOST tasks?: 0|standalone" "$tmp/inspect" || bad "standalone loadable: $(head -5 "$tmp/inspect")"

# ---- run: direct build + run == --saveEngine then --loadEngine --------------------------------------------------
run_flags=(--iterations=2 --warmUp=0 --duration=0 --loadInputs=input:"$samples/input_batch8.npy")
expect 0 "$dla" exec "$M" $D --int8 --calibData="$tmp/cal" --shapes=input:8x1x28x28 --allowGPUFallback \
  --saveEngine="$tmp/run.dla" --exportOutput="$tmp/direct" --exportProfile="$tmp/profile.json" --dumpProfile \
  "${run_flags[@]}"
has out "=== Performance summary ==="; has out "Throughput:"; has out "percentile(99%)"; has out "not Orin's"
[ -s "$tmp/direct/logits.npy" ] || bad "--exportOutput wrote no $tmp/direct/logits.npy"
grep -q '"name"' "$tmp/profile.json" 2>/dev/null || bad "--exportProfile wrote no layers"
expect 0 "$dla" exec --loadEngine="$tmp/run.dla" $D --exportOutput="$tmp/loaded" "${run_flags[@]}"
cmp -s "$tmp/direct/logits.npy" "$tmp/loaded/logits.npy" || bad "--loadEngine outputs differ from the direct run"
expect 0 "$alias_bin" --loadEngine="$tmp/run.dla" --useDLACore=1 --exportOutput="$tmp/loaded.json" "${run_flags[@]}"
grep -q '"dimensions" : "8x10"' "$tmp/loaded.json" || bad "--exportOutput=FILE.json: not trtexec's JSON"
# FP16 on the engine agrees with the host FP32 executor on the bundled images
expect 0 "$dla" exec "$M" $D --fp16 --shapes=input:8x1x28x28 --checkFP32 "${run_flags[@]}"
has out "top-1 agreement 8/8"

[ $fail = 0 ] && echo "exec_cli: all checks passed"
exit $fail
