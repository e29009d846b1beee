#!/usr/bin/env bash
# The seed's trtexec commands (DLA-SW scripts/prepare_models, dla-facts §1.6) as models/README.md gives them for
# `dla exec`, on the six reference networks in cache/models (built by `make models`): each one builds
# (--skipInference added) and the whole network before the cut lands on the DLA in a single subgraph, with no
# layer on the GPU (host). Networks missing from the cache are skipped; with none there, the test is skipped (77).
# usage: seed_commands.sh PATH/TO/dla [NAME-FILTER]   (labels: models;slow)
set -u
dla=$1
filter=${2:-}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0 ran=0
mapfile -t cmds < <(grep -E '^ {4}build/bin/dla exec ' models/README.md | sed -E 's/^ +build\/bin\/dla exec //')
[ ${#cmds[@]} -ge 6 ] || { echo "FAIL: models/README.md lists ${#cmds[@]} dla exec commands, expected 6"; exit 1; }
for args in "${cmds[@]}"; do
  onnx=$(sed -nE 's/.*--onnx=([^ ]+).*/\1/p' <<<"$args")
  name=$(basename "$onnx" .onnx)
  [ -n "$filter" ] && [[ "$name" != *"$filter"* ]] && continue
  if [ ! -f "$onnx" ]; then
    echo "SKIP  $name: $onnx is not built (make models)"
    continue
  fi
  ran=$((ran + 1))
  t0=$(date +%s.%N)
  # shellcheck disable=SC2086  # the README's flags, word-split as a shell would
  "$dla" exec $args --skipInference >"$tmp/out" 2>"$tmp/err"
  rc=$?
  secs=$(echo "$(date +%s.%N) - $t0" | bc)
  n_dla=$(grep -c '^Layers running on DLA:' "$tmp/out")
  n_gpu=$(grep -c '^Layers running on GPU' "$tmp/out")
  summary=$(grep -m1 '^\[I\] Placement:' "$tmp/out")
  loadable=$(grep -m1 '^\[I\] Loadable:' "$tmp/out")
  if [ $rc != 0 ] || [ "$n_dla" != 1 ] || [ "$n_gpu" != 0 ] || ! grep -q '&&&& PASSED' "$tmp/out"; then
    echo "FAIL  $name (exit $rc, $n_dla DLA subgraph line(s), $n_gpu GPU layer(s), ${secs}s): dla exec $args --skipInference"
    grep -E '^Layers running on (DLA|GPU)' "$tmp/out" | head -10
    tail -5 "$tmp/err"
    fail=1
  else
    echo "PASS  $name (${secs%.*}s): $summary | $loadable"
  fi
done
[ $ran = 0 ] && { echo "no reference network in cache/models (make models): skipped"; exit 77; }
[ $fail = 0 ] && echo "seed_commands: $ran network(s): each on the DLA in one subgraph"
exit $fail
