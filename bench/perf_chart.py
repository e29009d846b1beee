#!/usr/bin/python3
"""Per-layer time chart of dlakit's DLA performance model (docs/perf-model.md) as a self-contained SVG.

    /usr/bin/python3 bench/perf_chart.py [--dla build/bin/dla] [--modes MAXN,15W] [--cores 2] [--int8|--fp16]
        [--platform orin] [--batch N] [--sparsity disable|enable|force] [--max-us US] [--title TEXT]
        MODEL.onnx|FILE.dla -o OUT.svg

Runs `dla perf ... --json` once per power mode and draws one row per fused layer in execution order: for each mode
a panel with a bar whose length is the predicted time per image (µs, one core while `--cores` cores run), coloured
by what bounds the layer (math, memory, overhead; the lighter tail of a bar is its overhead part), the value after
the bar, and the running total as a line (top scale: % of the layers' sum). All panels share one µs scale; when a
few layers dwarf the rest (more than 3x the 95th percentile) the scale stops short and those bars end in a break
mark with their value (--max-us sets the scale). Shaded bands group rows by stage (the layer names' first path
levels); a table at the bottom sums each stage per mode, split by bound. Layer names are <title> tooltips.
Standard library only. Exit status 0 on success; on any error a message on stderr, status 1, and no output file.
"""
import argparse
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

BOUNDS = ("math", "memory", "overhead")
COLOR = {"math": "#3b6fb6", "memory": "#e8871e", "overhead": "#8c8c8c"}
TINT = {"math": "#a9c3e6", "memory": "#f5c997", "overhead": "#cfcfcf"}
CUM_COLOR = "#7b3294"
FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"

ROW = 10            # px per layer row
LABEL_W = 230       # layer label column
INDEX_W = 26        # row number column
PLOT_W = 360        # bar area of one panel
VALUE_W = 44        # room after the bar area for the value text
PANEL_GAP = 18
MARGIN = 12
LABEL_CHARS = 46
TABLE_X = 250       # stage table: first mode column
TABLE_COL = 330     # stage table: width of a mode's columns
TABLE_BAR = 170     # stage table: bar width for 100%
PLATFORM = {"orin": "Orin", "xavier": "Xavier", "nv_full": "nv_full"}


class ChartError(Exception):
    pass


# ---- running dla perf ----------------------------------------------------------------------------------------

def run_perf(args, mode):
    cmd = [args.dla, "perf", args.model, "--cores", str(args.cores), "--power-mode", mode, "--json",
           "--platform", args.platform, "--fp16" if args.fp16 else "--int8"]
    if args.batch:
        cmd += ["--batch", str(args.batch)]
    if args.sparsity:
        cmd += ["--sparsity=" + args.sparsity]
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    except OSError as e:
        raise ChartError("cannot run %s: %s (set --dla)" % (args.dla, e.strerror))
    if p.returncode != 0:
        raise ChartError("'%s' failed (exit %d): %s" % (" ".join(cmd), p.returncode, p.stderr.strip()))
    try:
        d = json.loads(p.stdout)
    except ValueError as e:
        raise ChartError("'%s' printed no valid JSON: %s" % (" ".join(cmd), e))
    check_report(d, mode)
    return d


def check_report(d, mode):
    need = ("power_mode", "cores", "batch", "latency_ms", "images_per_s", "per_layer")
    miss = [k for k in need if k not in d]
    if miss:
        raise ChartError("dla perf --power-mode %s: JSON report lacks %s" % (mode, ", ".join(miss)))
    if not d["per_layer"]:
        raise ChartError("dla perf --power-mode %s: the report has no layers" % mode)
    for i, L in enumerate(d["per_layer"]):
        for k in ("name", "engines", "precision", "bound", "time_us", "overhead_us", "math_us", "mem_us"):
            if k not in L:
                raise ChartError("dla perf --power-mode %s: layer %d lacks '%s'" % (mode, i, k))
        if L["bound"] not in BOUNDS:
            raise ChartError("dla perf --power-mode %s: layer %d '%s' has unknown bound '%s'"
                             % (mode, i, L["name"], L["bound"]))
        if not (L["time_us"] >= 0 and math.isfinite(L["time_us"])):
            raise ChartError("dla perf --power-mode %s: layer %d '%s' has time_us %r"
                             % (mode, i, L["name"], L["time_us"]))


# ---- names: stages and short labels --------------------------------------------------------------------------

def strip_index(s):
    """'cls_logits_3' -> 'cls_logits', 'inner_blocks.2' -> 'inner_blocks'."""
    t = re.sub(r"([._]\d+)+$", "", s)
    return t or s


def first_op_parts(name):
    """The first fused op's path: ('/body/layer1/layer1.0/conv1/Conv + ...') -> (['body', ...], 'Conv')."""
    comps = [c for c in name.split(" + ")[0].strip().split("/") if c]
    if not comps:
        return [], name
    return comps[:-1], comps[-1]


def stage_keys(names):
    """A stage per layer from its name's first path level; a first level that holds over 40% of the layers (a
    network's 'body') is split by its second level."""
    first = []
    for n in names:
        parent, op = first_op_parts(n)
        first.append(strip_index(parent[0]) if parent else strip_index(op))
    count = {}
    for k in first:
        count[k] = count.get(k, 0) + 1
    keys = []
    for n, k in zip(names, first):
        parent, _ = first_op_parts(n)
        if count[k] > 0.4 * len(names) and len(parent) >= 2:
            keys.append(k + "/" + parent[1])
        else:
            keys.append(k)
    return keys


def short_label(name):
    """'/body/layer1/layer1.0/conv1/Conv + /body/layer1/layer1.0/relu/Relu' -> 'layer1.0/conv1 Conv+Relu'."""
    ops = [o.strip() for o in name.split(" + ")]
    types = []
    for o in ops:
        comps = [c for c in o.split("/") if c]
        t = comps[-1] if comps else o
        types.append(strip_index(t) if len(comps) > 1 else t)
    parent, _ = first_op_parts(name)
    # drop a level its child repeats ('layer1/layer1.0', 'downsample/downsample.0'), keep the last two
    keep = [c for c, nxt in zip(parent, parent[1:] + [""])
            if not (len(nxt) > len(c) and nxt.startswith(c) and nxt[len(c)] in "._")]
    s = "+".join(types)
    if keep:
        s = "/".join(keep[-2:]) + " " + s
    if len(s) > LABEL_CHARS:
        s = s[:LABEL_CHARS - 1] + "\u2026"
    return s


# ---- numbers -------------------------------------------------------------------------------------------------

def nice_step(span, n=5):
    """A 1/2/2.5/5 x 10^k step giving about n intervals over span."""
    if span <= 0:
        return 1.0
    raw = span / n
    mag = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * mag:
            return m * mag
    return 10 * mag


def nice_max(v):
    step = nice_step(v)
    return max(step, math.ceil(v / step - 1e-9) * step)


def fmt_num(v):
    if v == 0:
        return "0"
    if abs(v) >= 100:
        return "%.0f" % v
    if abs(v) >= 10:
        return ("%.1f" % v).rstrip("0").rstrip(".")
    return ("%.2f" % v).rstrip("0").rstrip(".")


def fmt_us(v):
    return "%.0f" % v if v >= 10 else "%.1f" % v


def scale_max(times, forced):
    """The µs scale: all bars fit, unless the largest exceeds 3x the 95th percentile (then 1.5x it)."""
    if forced:
        return forced
    s = sorted(times)
    mx = s[-1]
    p95 = s[int(0.95 * (len(s) - 1))]
    if p95 > 0 and mx > 3 * p95:
        return nice_max(1.5 * p95)
    return nice_max(mx) if mx > 0 else 1.0


# ---- SVG -----------------------------------------------------------------------------------------------------

_BAD_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def esc(s):
    """Text and attribute values: XML-escaped, characters XML 1.0 forbids replaced."""
    s = _BAD_XML.sub("\ufffd", str(s))
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def text(x, y, s, size=8, anchor="start", weight=None, fill="#222", extra=""):
    w = ' font-weight="%s"' % weight if weight else ""
    return '<text x="%.1f" y="%.1f" font-size="%s" text-anchor="%s" fill="%s"%s%s>%s</text>' % (
        x, y, size, anchor, fill, w, extra, esc(s))


def rect(x, y, w, h, fill, extra=""):
    return '<rect x="%.2f" y="%.2f" width="%.2f" height="%.2f" fill="%s"%s/>' % (x, y, max(w, 0), h, fill, extra)


def line(x1, y1, x2, y2, stroke, width=1, extra=""):
    return '<line x1="%.2f" y1="%.2f" x2="%.2f" y2="%.2f" stroke="%s" stroke-width="%s"%s/>' % (
        x1, y1, x2, y2, stroke, width, extra)


def layer_tooltip(L, mode):
    return ("%s\n%s: %s µs per image, %s-bound (math %s, memory %s, overhead %s µs)\n"
            "engines %s, %s, %s MMAC, %s MB DRAM, sparse convs %s" % (
                L["name"], mode, fmt_num(L["time_us"]), L["bound"], fmt_num(L["math_us"]), fmt_num(L["mem_us"]),
                fmt_num(L["overhead_us"]), L["engines"], L["precision"], fmt_num(L.get("macs", 0) / 1e6),
                fmt_num(L.get("bytes", 0) / 1e6), L.get("sparse_convs", 0)))


def mode_summary(mode, d):
    lsum = sum(L["time_us"] for L in d["per_layer"])
    s = "%s: %.3f ms per inference (batch %d), %s images/s; layers %.3f ms per image" % (
        mode, d["latency_ms"], d["batch"], fmt_num(d["images_per_s"]), lsum / 1000)
    if d.get("dram_limited"):
        s += "; DRAM-limited"
    if d.get("host_tasks"):
        s += "; %d host task(s)" % d["host_tasks"]
    return s


def build_svg(title, modes, reports, max_us):
    base = reports[0]["per_layer"]
    n = len(base)
    names = [L["name"] for L in base]
    stages = stage_keys(names)
    precisions = sorted({L["precision"] for d in reports for L in d["per_layer"]})
    d0 = reports[0]
    platform = d0.get("platform", "orin")
    heading = "%s \u2014 %s, %d core%s, batch %d, %s DLA" % (
        title, "/".join(precisions), d0["cores"], "" if d0["cores"] == 1 else "s", d0["batch"],
        PLATFORM.get(platform, platform))
    allt = [L["time_us"] for d in reports for L in d["per_layer"]]
    xmax = scale_max(allt, max_us)
    step = nice_step(xmax)
    ppu = PLOT_W / xmax

    panel_w = PLOT_W + VALUE_W
    x_index = MARGIN
    x_label = x_index + INDEX_W
    x_panel = [x_label + LABEL_W + i * (panel_w + PANEL_GAP) for i in range(len(modes))]
    width = x_panel[-1] + panel_w + MARGIN
    width = max(width, 760, x_index + TABLE_X + (len(modes) - 1) * TABLE_COL + TABLE_BAR + 110 + MARGIN)

    out = []
    y = MARGIN + 14
    out.append(text(MARGIN, y, heading, size=14, weight="bold"))
    for mode, d in zip(modes, reports):
        y += 14
        out.append(text(MARGIN, y, mode_summary(mode, d), size=10))
    y += 12
    out.append(text(MARGIN, y, "Bar: predicted time per image of each fused layer (one core while %d run, "
                    "sharing DRAM), in execution order; value after the bar in µs; hover a row for its "
                    "numbers." % d0["cores"], size=8, fill="#444"))
    # legend
    y += 14
    lx = MARGIN
    for b in BOUNDS:
        out.append(rect(lx, y - 8, 18, 8, COLOR[b]))
        out.append(text(lx + 22, y, "%s-bound" % b, size=9))
        lx += 105
    out.append(rect(lx, y - 8, 9, 8, COLOR["math"]) + rect(lx + 9, y - 8, 9, 8, TINT["math"]))
    out.append(text(lx + 22, y, "lighter tail: overhead part", size=9))
    lx += 165
    out.append(line(lx, y - 4, lx + 18, y - 4, CUM_COLOR, 1.5))
    out.append(text(lx + 22, y, "running total (top scale, % of the layers' sum)", size=9))
    y += 20

    # panel headers and top scales
    y_head = y
    y_cum = y + 14
    y_us = y + 26
    top = y + 32
    bottom = top + n * ROW
    for px, mode, d in zip(x_panel, modes, reports):
        lsum = sum(L["time_us"] for L in d["per_layer"])
        out.append(text(px, y_head, "%s  (%.2f ms/inference, %s img/s)" % (
            mode, d["latency_ms"], fmt_num(d["images_per_s"])), size=10, weight="bold"))
        for pct in (0, 25, 50, 75):
            x = px + PLOT_W * pct / 100
            out.append(text(x, y_cum, "%d%%" % pct, size=7, anchor="middle", fill=CUM_COLOR))
        out.append(text(px + PLOT_W, y_cum, "100%% = %.2f ms" % (lsum / 1000), size=7, anchor="middle",
                        fill=CUM_COLOR))
    out.append(text(x_label, y_us, "fused layer (%d)" % n, size=8, weight="bold"))
    out.append(text(x_index + INDEX_W - 4, y_us, "#", size=8, anchor="end", weight="bold"))

    # stage bands
    band = 0
    i = 0
    while i < n:
        j = i
        while j + 1 < n and stages[j + 1] == stages[i]:
            j += 1
        if band % 2 == 1:
            out.append(rect(x_index, top + i * ROW, width - MARGIN - x_index, (j - i + 1) * ROW, "#f1f1f1",
                            ' class="stage-band"'))
        band += 1
        i = j + 1

    # grid and µs scales (top and bottom)
    ticks = []
    t = 0.0
    while t <= xmax + 1e-9:
        ticks.append(t)
        t += step
    for px in x_panel:
        for t in ticks:
            x = px + t * ppu
            out.append(line(x, top, x, bottom, "#d9d9d9", 0.5))
            out.append(text(x, y_us, fmt_num(t), size=7, anchor="middle"))
            out.append(line(x, bottom, x, bottom + 3, "#444", 0.8))
            out.append(text(x, bottom + 12, fmt_num(t), size=7, anchor="middle"))
        out.append(line(px, bottom, px + PLOT_W, bottom, "#444", 0.8))
        out.append(line(px, top, px, bottom, "#444", 0.8))
        out.append(text(px + PLOT_W / 2, bottom + 24, "predicted time per image per fused layer (µs)", size=8,
                        anchor="middle"))

    # rows: label, then one bar per mode
    for i, name in enumerate(names):
        ry = top + i * ROW
        out.append('<g class="row"><title>%s</title>' % esc("%d: %s\nstage %s" % (i, name, stages[i])))
        out.append(text(x_index + INDEX_W - 4, ry + 7.5, str(i), size=7, anchor="end", fill="#666"))
        out.append(text(x_label, ry + 7.5, short_label(name), size=7.5))
        out.append("</g>")
        for px, mode, d in zip(x_panel, modes, reports):
            out.append(bar(px, ry, d["per_layer"][i], mode, i, ppu, xmax))

    # running totals
    for px, d in zip(x_panel, reports):
        lsum = sum(L["time_us"] for L in d["per_layer"]) or 1.0
        acc = 0.0
        pts = ["%.2f,%.2f" % (px, top)]
        for i, L in enumerate(d["per_layer"]):
            acc += L["time_us"]
            pts.append("%.2f,%.2f" % (px + PLOT_W * acc / lsum, top + (i + 1) * ROW))
        out.append('<polyline class="cumulative" points="%s" fill="none" stroke="%s" stroke-width="1.2" '
                   'stroke-opacity="0.85"/>' % (" ".join(pts), CUM_COLOR))

    y = bottom + 44
    y = stage_table(out, y, x_index, modes, reports, stages)
    height = y + MARGIN

    head = ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<!-- Generated by bench/perf_chart.py from the JSON report of dla perf (dlakit performance model). -->\n'
            '<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" '
            'font-family="%s">\n<title>%s</title>\n' % (width, height, width, height, FONT, esc(
                heading + "\n" + "\n".join(mode_summary(m, d) for m, d in zip(modes, reports)))))
    body = rect(0, 0, width, height, "#ffffff") + "\n" + "\n".join(out)
    return head + body + "\n</svg>\n"


def bar(px, ry, L, mode, i, ppu, xmax):
    t = L["time_us"]
    ov = min(max(L["overhead_us"], 0.0), t)
    busy = t - ov
    clipped = t > xmax
    w_busy = min(busy, xmax) * ppu
    w_ov = max(0.0, min(t, xmax) * ppu - w_busy)
    h = ROW - 2
    y = ry + 1
    b = L["bound"]
    g = ['<g class="bar" data-mode="%s" data-layer="%d" data-bound="%s" data-us="%s"><title>%s</title>' % (
        esc(mode), i, esc(b), "%.4f" % t, esc(layer_tooltip(L, mode)))]
    g.append(rect(px, y, w_busy, h, COLOR[b]))
    if w_ov > 0:
        g.append(rect(px + w_busy, y, w_ov, h, TINT[b]))
    end = px + min(t, xmax) * ppu
    if clipped:  # break mark: two white slashes near the end
        for dx in (-9, -5):
            g.append(line(end + dx, y + h + 1, end + dx + 3, y - 1, "#ffffff", 1.3))
        g.append(text(end + 3, ry + 7.5, fmt_us(t) + " \u00bb", size=7, weight="bold"))
    else:
        g.append(text(end + 3, ry + 7.5, fmt_us(t), size=7, fill="#444"))
    g.append("</g>")
    return "".join(g)


def stage_table(out, y, x0, modes, reports, stages):
    """Per stage (first appearance order): layers, and per mode ms per image, % and a bar split by bound."""
    order = []
    for s in stages:
        if s not in order:
            order.append(s)
    col_stage = x0
    col_n = x0 + 200
    col_mode = [x0 + TABLE_X + k * TABLE_COL for k in range(len(modes))]
    bar_w = TABLE_BAR
    out.append(text(x0, y, "Per stage (rows grouped by their names' first path levels; bars: share of the layers' "
                    "sum, split by bound)", size=10, weight="bold"))
    y += 16
    out.append(text(col_stage, y, "stage", size=8, weight="bold"))
    out.append(text(col_n + 30, y, "layers", size=8, weight="bold", anchor="end"))
    for cx, mode in zip(col_mode, modes):
        out.append(text(cx + 60, y, "%s ms" % mode, size=8, weight="bold", anchor="end"))
        out.append(text(cx + 100, y, "%", size=8, weight="bold", anchor="end"))
    y += 4
    out.append(line(x0, y, col_mode[-1] + 110 + bar_w, y, "#888", 0.6))
    for s in order:
        y += 12
        idx = [i for i, k in enumerate(stages) if k == s]
        g = ['<g class="stage"><title>%s</title>' % esc("stage %s: %d layers" % (s, len(idx)))]
        g.append(text(col_stage, y, s if len(s) <= 40 else s[:39] + "\u2026", size=8))
        g.append(text(col_n + 30, y, str(len(idx)), size=8, anchor="end"))
        for cx, d in zip(col_mode, reports):
            L = d["per_layer"]
            lsum = sum(x["time_us"] for x in L) or 1.0
            tot = sum(L[i]["time_us"] for i in idx)
            g.append(text(cx + 60, y, "%.3f" % (tot / 1000), size=8, anchor="end"))
            g.append(text(cx + 100, y, "%.1f" % (100 * tot / lsum), size=8, anchor="end"))
            bx = cx + 110
            for b in BOUNDS:
                part = sum(L[i]["time_us"] for i in idx if L[i]["bound"] == b)
                w = bar_w * part / lsum
                if w > 0:
                    g.append(rect(bx, y - 7, w, 8, COLOR[b]))
                    bx += w
        g.append("</g>")
        out.append("".join(g))
    y += 5
    out.append(line(x0, y, col_mode[-1] + 110 + bar_w, y, "#888", 0.6))
    y += 12
    g = ['<g class="stage-total">', text(col_stage, y, "all layers", size=8, weight="bold"),
         text(col_n + 30, y, str(len(stages)), size=8, anchor="end", weight="bold")]
    for cx, d in zip(col_mode, reports):
        tot = sum(x["time_us"] for x in d["per_layer"])
        g.append(text(cx + 60, y, "%.3f" % (tot / 1000), size=8, anchor="end", weight="bold"))
        g.append(text(cx + 100, y, "100", size=8, anchor="end", weight="bold"))
        bx = cx + 110
        for b in BOUNDS:
            part = sum(x["time_us"] for x in d["per_layer"] if x["bound"] == b)
            w = bar_w * part / (tot or 1.0)
            if w > 0:
                g.append(rect(bx, y - 7, w, 8, COLOR[b]))
                bx += w
    g.append("</g>")
    out.append("".join(g))
    return y + 6


# ---- main ----------------------------------------------------------------------------------------------------

def write_atomic(path, data):
    d = os.path.dirname(os.path.abspath(path))
    os.makedirs(d, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".perf_chart.", suffix=".svg", dir=d)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def main(argv=None):
    ap = argparse.ArgumentParser(description="Per-layer time chart (SVG) of `dla perf` at one or more power modes.")
    ap.add_argument("model", help="MODEL.onnx or FILE.dla")
    ap.add_argument("-o", "--output", required=True, help="SVG file to write")
    ap.add_argument("--dla", default="build/bin/dla", help="the dla binary (default build/bin/dla)")
    ap.add_argument("--modes", default="MAXN,15W", help="comma-separated power modes, one panel each "
                    "(default MAXN,15W)")
    ap.add_argument("--cores", type=int, default=2, help="cores running at once (default 2)")
    ap.add_argument("--platform", default="orin")
    ap.add_argument("--batch", type=int, default=0)
    ap.add_argument("--sparsity", choices=("disable", "enable", "force"))
    prec = ap.add_mutually_exclusive_group()
    prec.add_argument("--int8", action="store_true", help="build ONNX as INT8 (default)")
    prec.add_argument("--fp16", action="store_true", help="build ONNX as FP16")
    ap.add_argument("--max-us", type=float, default=0, help="end of the µs scale (default: automatic)")
    ap.add_argument("--title", help="network name in the title (default: the file name)")
    args = ap.parse_args(argv)

    try:
        modes = [m.strip() for m in args.modes.split(",") if m.strip()]
        if not modes:
            raise ChartError("--modes '%s': no power mode given" % args.modes)
        if len(set(modes)) != len(modes):
            raise ChartError("--modes '%s': a mode is repeated" % args.modes)
        if args.cores < 1:
            raise ChartError("--cores %d: must be at least 1" % args.cores)
        if args.max_us < 0 or not math.isfinite(args.max_us):
            raise ChartError("--max-us %r: must be a positive number" % args.max_us)
        if not os.path.isfile(args.model):
            raise ChartError("%s: no such file" % args.model)
        reports = [run_perf(args, m) for m in modes]
        names0 = [L["name"] for L in reports[0]["per_layer"]]
        for m, d in zip(modes[1:], reports[1:]):
            if [L["name"] for L in d["per_layer"]] != names0:
                raise ChartError("power mode %s reports other layers than %s (%d vs %d): cannot align the rows"
                                 % (m, modes[0], len(d["per_layer"]), len(names0)))
        title = args.title or os.path.basename(args.model)
        svg = build_svg(title, modes, reports, args.max_us)
        try:
            ET.fromstring(svg.encode("utf-8"))
        except ET.ParseError as e:  # an internal error: never write a malformed file
            raise ChartError("internal error: the SVG is not well-formed (%s)" % e)
        write_atomic(args.output, svg)
    except ChartError as e:
        print("perf_chart: %s" % e, file=sys.stderr)
        return 1
    except OSError as e:
        print("perf_chart: %s: %s" % (e.filename or args.output, e.strerror), file=sys.stderr)
        return 1
    n = len(reports[0]["per_layer"])
    print("%s: %d layers x %d mode(s): %s" % (args.output, n, len(modes), "; ".join(
        "%s %.3f ms %s img/s" % (m, d["latency_ms"], fmt_num(d["images_per_s"])) for m, d in zip(modes, reports))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
