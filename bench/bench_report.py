#!/usr/bin/python3
"""Helpers for bench/host_resnet50.sh (no third-party modules beyond numpy).

    bench_report.py parse  STDOUT_FILE TIME_FILE      -> one JSON line: the tool's last JSON line + peak_rss_mb
                                                         from /usr/bin/time -v (when the tool did not give one)
    bench_report.py table  LABEL_A LABEL_B ROUNDS.jsonl -> prints the comparison table
    bench_report.py compare GOT.npy EXPECTED.npy       -> prints max abs/rel diff, cosine, top-1 agreement

ROUNDS.jsonl: one line per round: {"round": k, "a": {...}, "b": {...}} where each side is a parse result.
"""
import json
import re
import statistics
import sys


def last_json(path):
    obj = None
    with open(path, errors="replace") as f:
        for line in f:
            line = line.strip()
            if line.startswith("{") and line.endswith("}"):
                try:
                    obj = json.loads(line)
                except ValueError:
                    pass
    return obj


def time_rss_mb(path):
    """Peak RSS from GNU time -v ('Maximum resident set size (kbytes): N'), in MiB."""
    try:
        with open(path, errors="replace") as f:
            m = re.search(r"Maximum resident set size \(kbytes\):\s*(\d+)", f.read())
        return round(int(m.group(1)) / 1024.0, 1) if m else None
    except OSError:
        return None


def cmd_parse(out_file, time_file):
    obj = last_json(out_file) or {}
    rss = time_rss_mb(time_file)
    if rss is not None:
        if "peak_rss_mb" in obj:
            obj["self_peak_rss_mb"] = obj["peak_rss_mb"]
        obj["peak_rss_mb"] = rss  # the same measurement for every tool
    print(json.dumps(obj))


def fmt(v, spec):
    return format(v, spec) if isinstance(v, (int, float)) else "-"


def cmd_table(label_a, label_b, rounds_file):
    rows = []
    with open(rounds_file) as f:
        for line in f:
            if line.strip():
                rows.append(json.loads(line))
    head = (f"{'round':>5}  {label_a + ' img/s':>14} {label_a + ' ms':>11} {label_b + ' img/s':>11} "
            f"{label_b + ' ms':>8} {'ratio':>6}  {label_a + ' RSS MB':>13} {label_b + ' RSS MB':>10}")
    print(head)
    print("-" * len(head))
    ratios, ia, ib, ra, rb = [], [], [], [], []
    for r in rows:
        a, b = r.get("a") or {}, r.get("b") or {}
        xa, xb = a.get("items_per_s"), b.get("items_per_s")
        ratio = xa / xb if isinstance(xa, (int, float)) and isinstance(xb, (int, float)) and xb else None
        if ratio is not None:
            ratios.append(ratio)
        for lst, v in ((ia, xa), (ib, xb), (ra, a.get("peak_rss_mb")), (rb, b.get("peak_rss_mb"))):
            if isinstance(v, (int, float)):
                lst.append(v)
        print(f"{r['round']:>5}  {fmt(xa, '.2f'):>14} {fmt(a.get('median_ms'), '.2f'):>11} {fmt(xb, '.2f'):>11} "
              f"{fmt(b.get('median_ms'), '.2f'):>8} {fmt(ratio, '.3f'):>6}  {fmt(a.get('peak_rss_mb'), '.1f'):>13} "
              f"{fmt(b.get('peak_rss_mb'), '.1f'):>10}")
    med = lambda v: statistics.median(v) if v else None
    print("-" * len(head))
    print(f"{'med':>5}  {fmt(med(ia), '.2f'):>14} {'':>11} {fmt(med(ib), '.2f'):>11} {'':>8} "
          f"{fmt(med(ratios), '.3f'):>6}  {fmt(med(ra), '.1f'):>13} {fmt(med(rb), '.1f'):>10}")
    print(json.dumps({"summary": {f"{label_a}_items_per_s": med(ia), f"{label_b}_items_per_s": med(ib),
                                  "ratio": med(ratios), f"{label_a}_peak_rss_mb": med(ra),
                                  f"{label_b}_peak_rss_mb": med(rb), "rounds": len(rows)}}))


def cmd_compare(got_file, exp_file):
    import numpy as np
    g = np.load(got_file).astype(np.float64)
    e = np.load(exp_file).astype(np.float64)
    if g.shape != e.shape:
        print(json.dumps({"ok": False, "error": f"shape {list(g.shape)} vs expected {list(e.shape)}"}))
        return 1
    d = np.abs(g - e)
    cos = float((g * e).sum() / (np.linalg.norm(g) * np.linalg.norm(e) + 1e-30))
    ok = bool(np.all(d <= 1e-3 * np.abs(e) + 1e-3 * max(1.0, float(np.abs(e).max()))))
    top1 = (g.reshape(g.shape[0], -1).argmax(1) == e.reshape(e.shape[0], -1).argmax(1)).tolist() if g.ndim >= 2 else None
    print(json.dumps({"ok": ok, "max_abs_diff": float(d.max()), "max_abs_expected": float(np.abs(e).max()),
                      "cosine": cos, "top1_match": top1}))
    return 0 if ok else 1


def main():
    if len(sys.argv) >= 2 and sys.argv[1] == "parse" and len(sys.argv) == 4:
        cmd_parse(sys.argv[2], sys.argv[3])
    elif len(sys.argv) >= 2 and sys.argv[1] == "table" and len(sys.argv) == 5:
        cmd_table(sys.argv[2], sys.argv[3], sys.argv[4])
    elif len(sys.argv) >= 2 and sys.argv[1] == "compare" and len(sys.argv) == 4:
        sys.exit(cmd_compare(sys.argv[2], sys.argv[3]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
