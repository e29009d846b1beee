#!/usr/bin/python3
"""Checks bench/perf_chart.py (the per-layer time chart of the performance model).

    perf_chart_check.py DLA MODEL[:TITLE] ...   run the script on each model at MAXN and 15W
    perf_chart_check.py --synthetic             only the checks that need no dla binary

For each model: the SVG parses, holds one bar per layer of `dla perf --json` for each mode, in execution order,
with that layer's µs, bound and name; the title names the precision, cores, latency and images/s of each mode; a
running-total line per mode ends at 100%. Errors (unknown power mode, missing binary) exit non-zero and leave an
existing output file untouched. Synthetic reports check XML escaping of hostile layer names and the broken scale
for an outlier layer. Exit 77 (skipped) when a model file is missing.
"""
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(ROOT, "bench", "perf_chart.py")
NS = "{http://www.w3.org/2000/svg}"
MODES = ("MAXN", "15W")
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL: " + what)
    return cond


def load_module():
    spec = importlib.util.spec_from_file_location("perf_chart", SCRIPT)
    m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    return m


def bars(root):
    return [g for g in root.iter(NS + "g") if g.get("class") == "bar"]


def title_of(el):
    t = el.find(NS + "title")
    return t.text if t is not None else ""


def check_model(dla, model, title, tmp):
    nfail = len(failures)
    out = os.path.join(tmp, os.path.basename(model) + ".svg")
    p = subprocess.run([SCRIPT, "--dla", dla, "--modes", ",".join(MODES), "--title", title, model, "-o", out],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    if not check(p.returncode == 0, "%s: perf_chart exit %d: %s" % (model, p.returncode, p.stderr.strip())):
        return
    root = ET.parse(out).getroot()
    check(root.tag == NS + "svg", "%s: root element is %s, not svg" % (model, root.tag))
    heading = title_of(root)
    all_bars = bars(root)
    for mode in MODES:
        ref = json.loads(subprocess.run([dla, "perf", model, "--int8", "--cores", "2", "--power-mode", mode, "--json"],
                                        stdout=subprocess.PIPE, check=True).stdout)
        L = ref["per_layer"]
        mb = [g for g in all_bars if g.get("data-mode") == mode]
        check(len(mb) == len(L), "%s %s: %d bars for %d layers" % (model, mode, len(mb), len(L)))
        check([int(g.get("data-layer")) for g in mb] == list(range(len(mb))),
              "%s %s: bars not in execution order" % (model, mode))
        for g, lay in zip(mb, L):
            ok = (abs(float(g.get("data-us")) - lay["time_us"]) <= 1e-3 and g.get("data-bound") == lay["bound"]
                  and title_of(g).split("\n")[0] == lay["name"])
            if not check(ok, "%s %s layer %s: bar (%s µs, %s, '%s') differs from the report (%s, %s, '%s')" % (
                    model, mode, g.get("data-layer"), g.get("data-us"), g.get("data-bound"),
                    title_of(g).split("\n")[0], lay["time_us"], lay["bound"], lay["name"])):
                break
        want = "%s: %.3f ms per inference (batch %d)" % (mode, ref["latency_ms"], ref["batch"])
        check(want in heading, "%s: title lacks '%s': %r" % (model, want, heading))
        check("INT8" in heading and "2 cores" in heading and title in heading,
              "%s: title lacks network/precision/cores: %r" % (model, heading))
    lines = [e for e in root.iter(NS + "polyline") if e.get("class") == "cumulative"]
    check(len(lines) == len(MODES), "%s: %d running-total lines for %d modes" % (model, len(lines), len(MODES)))
    plot_w = load_module().PLOT_W
    for e in lines:
        pts = [tuple(map(float, s.split(","))) for s in e.get("points").split()]
        x0, xe = pts[0][0], pts[-1][0]
        check(abs((xe - x0) - plot_w) < 0.05, "%s: running total ends at %.2f px, not 100%%" % (
            model, xe - x0))
    if len(failures) == nfail:
        print("ok %s: %d bars, %s" % (model, len(all_bars), p.stdout.strip()))


def check_errors(dla, model, tmp):
    out = os.path.join(tmp, "keep.svg")
    with open(out, "w") as f:
        f.write("old")
    cases = [([SCRIPT, "--dla", dla, "--modes", "MAXN,NOSUCHMODE", model, "-o", out], "NOSUCHMODE"),
             ([SCRIPT, "--dla", os.path.join(tmp, "no-dla"), model, "-o", out], "no-dla"),
             ([SCRIPT, "--dla", dla, os.path.join(tmp, "missing.onnx"), "-o", out], "missing.onnx")]
    for cmd, word in cases:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
        check(p.returncode != 0, "error case %s: exit 0" % word)
        check(word in p.stderr, "error case %s: message does not name it: %r" % (word, p.stderr))
        with open(out) as f:
            check(f.read() == "old", "error case %s: output file was overwritten" % word)
    check(sorted(os.listdir(tmp)) == ["keep.svg"], "error cases left files behind: %s" % os.listdir(tmp))


def layer(name, us, bound="memory", ov=2.7):
    return {"name": name, "engines": "CONV+SDP", "precision": "INT8", "bound": bound, "time_us": us,
            "overhead_us": ov, "math_us": us - ov, "mem_us": us - ov, "macs": 1000, "bytes": 2000,
            "sparse_convs": 0}


def check_synthetic():
    nfail = len(failures)
    m = load_module()
    nasty = ['/a<b>/c&d/"Conv"', "/x/y\x01z/Relu + /x/y/Add']]>", "plain"]
    names = nasty + ["/body/l%d/Conv" % i for i in range(37)]
    times = [10.0 + i for i in range(len(names))]
    times[5] = 5000.0  # an outlier: the scale stops short and its bar gets a break mark
    rep = {"platform": "orin", "power_mode": "MAXN", "cores": 1, "batch": 1, "latency_ms": 7.0,
           "images_per_s": 142.8, "per_layer": [layer(n, t, ("math", "memory", "overhead")[i % 3])
                                                  for i, (n, t) in enumerate(zip(names, times))]}
    svg = m.build_svg("Net <&> \"x\"", ["MAXN"], [rep], 0)
    try:
        root = ET.fromstring(svg.encode("utf-8"))
    except ET.ParseError as e:
        check(False, "synthetic: SVG with hostile names does not parse: %s" % e)
        return
    b = bars(root)
    check(len(b) == len(names), "synthetic: %d bars for %d layers" % (len(b), len(names)))
    check(title_of(b[0]).split("\n")[0] == nasty[0], "synthetic: escaped name does not round-trip: %r" % (
        title_of(b[0]),))
    check("Net <&> \"x\"" in title_of(root), "synthetic: title does not round-trip")
    xmax = m.scale_max(times, 0)
    check(xmax < 5000, "synthetic: the outlier sets the scale (%g)" % xmax)
    widths = [sum(float(r.get("width")) for r in g.iter(NS + "rect")) for g in b]
    check(abs(widths[5] - m.PLOT_W) < 0.05,
          "synthetic: clipped bar is %.2f px, not the full %d" % (widths[5], m.PLOT_W))
    check(abs(widths[6] - times[6] * m.PLOT_W / xmax) < 0.05, "synthetic: bar length is not proportional to µs")
    check(m.scale_max([1.0, 2.0, 3.0], 0) == 3.0 and m.scale_max([2.0, 3.3], 0) == 4.0,
          "synthetic: scale end is not the next nice value")
    check(m.short_label("/body/layer1/layer1.0/downsample/downsample.0/Conv + /body/layer1/layer1.0/Add")
          == "layer1.0/downsample.0 Conv+Add", "synthetic: short label")
    if len(failures) == nfail:
        print("ok synthetic: escaping, outlier scale, labels")


def main(argv):
    with tempfile.TemporaryDirectory() as tmp:
        check_synthetic()
        if argv and argv[0] != "--synthetic":
            dla, specs = argv[0], argv[1:]
            for s in specs:
                model, _, title = s.partition(":")
                if not os.path.isfile(model):
                    print("SKIP: %s missing (make models)" % model)
                    return 77
            for s in specs:
                model, _, title = s.partition(":")
                check_model(dla, model, title or os.path.basename(model), tmp)
            errdir = os.path.join(tmp, "err")
            os.mkdir(errdir)
            check_errors(dla, specs[0].partition(":")[0], errdir)
    print("%d failure(s)" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
