#!/bin/bash
# How long `dla perf` takes on each reference network (issue target: under a second), from ONNX (import, placement,
# INT8 build with timing-only scales, prediction) and from the saved loadable. Best of --rounds runs; wall seconds
# and peak RSS. Needs `make models`.
#     bash bench/perf_time.sh [--dla build/bin/dla] [--rounds 3]
set -euo pipefail
DLA=build/bin/dla
ROUNDS=3
while [ $# -gt 0 ]; do
    case "$1" in
        --dla) DLA=$2; shift 2 ;;
        --rounds) ROUNDS=$2; shift 2 ;;
        *) echo "perf_time.sh: unknown option '$1' (--dla PATH, --rounds N)" >&2; exit 2 ;;
    esac
done
[ -x "$DLA" ] || { echo "perf_time.sh: no dla binary at '$DLA' (build first, or pass --dla)" >&2; exit 2; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
best() { # command... -> "seconds peak_kb" of the fastest of ROUNDS runs
    local b="" kb=""
    for _ in $(seq "$ROUNDS"); do
        /usr/bin/time -f "%e %M" -o "$TMP/t" "$@" > /dev/null
        read -r s k < "$TMP/t"
        if [ -z "$b" ] || awk "BEGIN{exit !($s < $b)}"; then b=$s; kb=$k; fi
    done
    echo "$b $kb"
}
echo "| network | ONNX size | dla perf from ONNX (s) | peak RSS (MB) | from .dla (s) |"
echo "|---|---|---|---|---|"
for f in resnet50_v15_224_bs2 ssd_mobilenet_v1_300_bs2 ssd_resnet34_1200_bs1 retinanet_resnext50_800_bs1 \
         retinanet_resnet34_1280x768_bs1 resnet34_backbone_1280x768_bs1; do
    onnx=cache/models/$f.onnx
    [ -f "$onnx" ] || { echo "perf_time.sh: $onnx missing: run make models" >&2; exit 2; }
    "$DLA" perf "$onnx" --int8 --cores 2 --save="$TMP/$f.dla" > /dev/null
    read -r s kb < <(best "$DLA" perf "$onnx" --int8 --cores 2)
    read -r d _ < <(best "$DLA" perf "$TMP/$f.dla" --cores 2)
    printf "| %s | %d MB | %s | %d | %s |\n" "$f" $(( $(stat -c %s "$onnx") / 1048576 )) "$s" $(( kb / 1024 )) "$d"
done
