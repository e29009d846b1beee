#!/usr/bin/env bash
# `dla exec --sparsity` (trtexec's 2:4 structured sparsity) on the command line.
#   fashion (default): the bundled Fashion-MNIST CNN (one INT8 conv with C > 64, eight with C <= 64): force prunes
#     and marks 1 of 9 and warns that accuracy is not preserved; enable on its dense weights marks none; --fp16
#     warns that sparsity is for INT8 convs; --loadEngine warns it is a build option; dla inspect counts the sparse
#     convs per DLA task; a bad value exits 2 naming the flag.
#   models: ResNet-50 (cache/models/resnet50_v15_224_bs2.onnx) built --int8 --sparsity=force and run with
#     --dumpProfile: the runtime's predicted inference equals `dla perf --sparsity=enable` on the saved loadable
#     (the ops' flags honoured) and is below `--sparsity=disable`'s.
set -u
dla=$1
mode=${2:-fashion}
root=$(cd "$(dirname "$0")/.." && pwd)
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
has() { grep -qF -- "$2" "$tmp/$1" || bad "$1 of the last command lacks '$2': $(head -c 600 "$tmp/$1")"; }
hasnt() { ! grep -qF -- "$2" "$tmp/$1" || bad "$1 of the last command has '$2'"; }
one_run="--iterations=1 --duration=0 --warmUp=0"

if [ "$mode" = fashion ]; then
  model="$root/models/fashion/fashion_resnet.onnx"
  [ -f "$model" ] || { echo "no $model"; exit 77; }
  M="--onnx=$model --useDLACore=0"
  C="--int8 --calibData=$root/models/fashion/samples"
  expect 0 "$dla" exec $M $C --sparsity=force --skipInference --saveEngine="$tmp/force.dla"
  has out "[I] 2:4 sparsity (force): 1 of 9 INT8 convs pruned and sparse; 8 not eligible (C <= 64)"
  has err "accuracy is not preserved"
  has out "Sparsity: force"
  expect 0 "$dla" inspect "$tmp/force.dla"
  has out "2:4 structured sparsity: 1 of 9 INT8 convs"
  has out "task 1: 1 of 9 INT8 convs sparse, 8 not eligible (C/groups <= 64), 0 dense"
  expect 0 "$dla" exec $M $C --sparsity=enable --skipInference --saveEngine="$tmp/enable.dla"
  has out "[I] 2:4 sparsity (enable): 0 of 9 INT8 convs sparse; 8 not eligible (C <= 64); 1 dense (weights not 2:4)"
  hasnt err "accuracy is not preserved"
  expect 0 "$dla" inspect "$tmp/enable.dla"
  hasnt out "structured sparsity"
  expect 0 "$dla" exec $M $C --sparsity=disable --skipInference
  hasnt out "2:4 sparsity"
  expect 0 "$dla" exec $M --fp16 --sparsity=force --skipInference
  has err "[W] --sparsity=force: 2:4 sparsity applies to INT8 convolutions only; with --fp16 every"
  hasnt out "2:4 sparsity ("
  expect 0 "$dla" exec --loadEngine="$tmp/force.dla" --useDLACore=0 --sparsity=enable $one_run
  has err "--sparsity=enable is a build option: ignored with --loadEngine"
  expect 0 "$dla" exec --onnx="$model" --sparsity=force $one_run
  has err "--sparsity=force does nothing without --useDLACore"
  expect 2 "$dla" exec $M --sparsity=sometimes
  has err "--sparsity=sometimes: expected disable, enable or force"
  # the pruned build still runs (and its outputs are finite numbers)
  expect 0 "$dla" exec --loadEngine="$tmp/force.dla" --useDLACore=0 $one_run --exportOutput="$tmp/y.json"
  grep -qiE "nan|inf" "$tmp/y.json" && bad "the sparse build's outputs hold NaN/Inf"
else
  model="$root/cache/models/resnet50_v15_224_bs2.onnx"
  [ -f "$model" ] || { echo "no $model"; exit 77; }
  expect 0 "$dla" exec --onnx="$model" --useDLACore=0 --int8 --sparsity=force --saveEngine="$tmp/r50.dla" $one_run \
    --dumpProfile
  has out "[I] 2:4 sparsity (force): 45 of 55 INT8 convs pruned and sparse; 10 not eligible (C <= 64)"
  pred=$(sed -n 's/.*Predicted inference on one DLA core: \([0-9.]*\) ms.*/\1/p' "$tmp/out")
  enable=$("$dla" perf "$tmp/r50.dla" --sparsity=enable | sed -n 's/^Latency: \([0-9.]*\) ms.*/\1/p')
  disable=$("$dla" perf "$tmp/r50.dla" --sparsity=disable | sed -n 's/^Latency: \([0-9.]*\) ms.*/\1/p')
  echo "ResNet-50 force: runtime predicted $pred ms; dla perf enable $enable ms, disable $disable ms"
  [ -n "$pred" ] && [ -n "$enable" ] && [ -n "$disable" ] || bad "no prediction: '$pred' '$enable' '$disable'"
  awk -v p="$pred" -v e="$enable" 'BEGIN { exit !(p - e < 0.0006 && e - p < 0.0006) }' ||
    bad "the runtime's prediction $pred ms is not dla perf --sparsity=enable's $enable ms"
  awk -v e="$enable" -v d="$disable" 'BEGIN { exit !(e < d) }' || bad "sparse $enable ms is not below dense $disable ms"
fi
exit $fail
