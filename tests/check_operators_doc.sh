#!/usr/bin/env bash
# docs/operators.md is generated from the DLA rule table by `dla ops --markdown`.
#   check_operators_doc.sh DLA DOC          fails when DOC differs from what DLA generates (a stale doc)
#   check_operators_doc.sh DLA DOC --write  regenerates DOC (the operators_doc build target)
set -u
dla=$1 doc=$2 mode=${3:-check}
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
if ! "$dla" ops --markdown >"$tmp"; then
  echo "dla ops --markdown failed"; exit 1
fi
if [ "$mode" = --write ]; then
  mkdir -p "$(dirname "$doc")" && cp "$tmp" "$doc" && echo "wrote $doc"; exit $?
fi
if ! diff -u "$doc" "$tmp" >/dev/null 2>&1; then
  diff -u "$doc" "$tmp" | head -40
  echo "docs/operators.md is stale: run cmake --build build --target operators_doc"
  exit 1
fi
echo "docs/operators.md is up to date ($(grep -c '^| [A-Z]' "$doc") operators)"
