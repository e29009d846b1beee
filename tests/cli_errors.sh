#!/usr/bin/env bash
# dla's error behaviour: every bad input gives a message naming the problem and a non-zero exit, never a crash
# (exit codes >= 128 mean a signal) and never a partial output file.
set -u
dla=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
expect() { # expect CODE GREP-PATTERN -- command...
  local want=$1 pat=$2; shift 3
  local out rc
  out=$("$@" 2>&1); rc=$?
  if [ "$rc" != "$want" ] || ! grep -q -- "$pat" <<<"$out"; then
    echo "FAIL: $* -> exit $rc (want $want), output: $out"; fail=1
  fi
}
expect 2 "unknown command" -- "$dla" frobnicate
expect 2 "no model given" -- "$dla" info
expect 2 "unknown flag" -- "$dla" run x.onnx --no-such-flag
expect 2 "expects an integer" -- "$dla" run x.onnx --threads=abc --output-dir "$tmp"
expect 1 "cannot open" -- "$dla" info "$tmp/missing.onnx"
printf 'not a model' > "$tmp/junk.onnx"
expect 1 "junk.onnx" -- "$dla" info "$tmp/junk.onnx"

relu=/usr/share/libonnx-testdata/data/node/test_relu
if [ -f "$relu/model.onnx" ]; then
  size=$(stat -c %s "$relu/model.onnx")
  for cut in 1 7 $((size / 2)) $((size - 1)); do
    head -c "$cut" "$relu/model.onnx" > "$tmp/cut.onnx"
    out=$("$dla" run "$tmp/cut.onnx" --input "x=$relu/test_data_set_0/input_0.pb" --output-dir "$tmp/out" 2>&1); rc=$?
    if [ "$rc" -ne 1 ] || ! grep -q "cut.onnx" <<<"$out"; then
      echo "FAIL: truncated model ($cut of $size bytes) -> exit $rc: $out"; fail=1
    fi
    if [ -e "$tmp/out" ] && [ -n "$(ls -A "$tmp/out")" ]; then
      echo "FAIL: truncated model ($cut bytes) left output files"; fail=1
    fi
  done
  expect 1 "no-such-input" -- "$dla" run "$relu/model.onnx" --input "no-such-input=$relu/test_data_set_0/input_0.pb" --output-dir "$tmp/o2"
fi
exit $fail
