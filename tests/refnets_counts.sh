#!/usr/bin/env bash
# The DLA reference networks (models/refnets, docs/models.md): builds them into cache/models (or reuses the cache),
# then checks that `dla info MODEL --summary` loads every file (full pipelines included) and that its parameter and
# MAC totals match the numbers documented in docs/models.md within 1%; also checks build_all.py's own counts
# (cache/models/summary.json) against the same table. Needs Debian's python3-torch/torchvision/onnx (else: skip).
# usage: refnets_counts.sh PATH/TO/dla [NETWORK,...]   (labels: models;slow)
set -u
dla=$1; shift
root=$(cd "$(dirname "$0")/.." && pwd)
py=/usr/bin/python3
if ! "$py" -c "import torch, torchvision, onnx" 2>/dev/null; then
  echo "torch/torchvision/onnx not importable by $py: skipped"; exit 77
fi
out="$root/cache/models"
only=()
[ $# -gt 0 ] && only=(--only "$1")
if ! "$py" "$root/models/refnets/build_all.py" --out "$out" "${only[@]}"; then
  echo "FAIL: build_all.py failed"; exit 1
fi
"$py" - "$dla" "$out" "$root/docs/models.md" <<'PY'
import json, os, re, subprocess, sys
dla, out, doc = sys.argv[1:4]
# the table under "## Counts" in docs/models.md: | `FILE` | ... | params (dla info) | GMACs | ...
rows, header = {}, None
in_counts = False
for line in open(doc, encoding="utf-8"):
    if line.startswith("## "):
        in_counts = line.strip().lower().startswith("## counts")
        header = None
        continue
    if not in_counts or not line.startswith("|"):
        continue
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    if header is None:
        header = [c.lower() for c in cells]
        continue
    if set(cells[0]) <= set("-: "):
        continue
    m = re.match(r"`([^`]+\.onnx)`", cells[0])
    if m:
        rows[m.group(1)] = dict(zip(header, cells))
if not rows:
    print(f"FAIL: no counts table found in {doc}"); sys.exit(1)

def num(s):
    return float(s.replace(",", "").replace(" ", ""))

def col(row, key):
    for k, v in row.items():
        if key in k:
            return num(v)
    raise KeyError(key)

summary = {e["file"]: e for e in json.load(open(os.path.join(out, "summary.json")))["files"]}
fail = checked = 0
for f, row in rows.items():
    path = os.path.join(out, f)
    if not os.path.exists(path):
        continue  # not built in this run (--only)
    want_p, want_g = col(row, "dla info"), col(row, "gmacs (file)")
    r = subprocess.run([dla, "info", path, "--summary"], capture_output=True, text=True)
    m = re.search(r"total: (\d+) layers, (\d+) parameters in layers, ([0-9.]+) GMACs", r.stdout)
    if r.returncode != 0 or not m:
        print(f"FAIL {f}: dla info rc={r.returncode}: {(r.stderr or r.stdout).strip()[-300:]}")
        fail += 1
        continue
    got_p, got_g = int(m.group(2)), float(m.group(3))
    e = summary.get(f, {})
    checks = [("dla info params", got_p, want_p), ("dla info GMACs", got_g, want_g),
              ("build_all params (per node)", e.get("params_per_node", -1), want_p),
              ("build_all GMACs", e.get("gmacs", -1), want_g)]
    bad = [f"{what} {got:,} vs documented {want:,}" for what, got, want in checks
           if abs(got - want) > 0.01 * abs(want)]
    checked += 1
    if bad:
        fail += 1
        print(f"FAIL {f}: " + "; ".join(bad))
    else:
        print(f"PASS {f}: {got_p:,} parameters, {got_g:.3f} GMACs ({m.group(1)} layers)")
if checked == 0:
    print("FAIL: no documented file was built"); sys.exit(1)
sys.exit(1 if fail else 0)
PY
