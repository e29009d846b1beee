#!/usr/bin/python3
"""Builds the six DLA reference networks (and the detectors' full-pipeline files) into one folder.

    /usr/bin/python3 models/refnets/build_all.py [--out cache/models] [--force] [--only NAME[,NAME]] [--no-full]
                                                 [--seed 0] [--threads 2]

Files already present are kept (their counts are re-read) unless --force. For every file it prints the parameter
count and the MACs computed from the ONNX graph (Conv = out_elems * Cin/group * kh * kw, Gemm/MatMul = M*N*K, for
the whole batch and per image) and writes OUT/summary.json. `make models` runs this with --out cache/models.
Networks (NAME): resnet50, ssd_mobilenet_v1, ssd_resnet34, retinanet_resnext50, retinanet_resnet34,
resnet34_backbone. docs/models.md describes each one.
"""
import argparse
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

NETWORKS = ["resnet50", "ssd_mobilenet_v1", "ssd_resnet34", "retinanet_resnext50", "retinanet_resnet34",
            "resnet34_backbone"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(ROOT, "cache", "models"))
    ap.add_argument("--force", action="store_true", help="rebuild files that already exist")
    ap.add_argument("--only", help="comma-separated subset of: " + ", ".join(NETWORKS))
    ap.add_argument("--no-full", action="store_true", help="skip the full-pipeline files")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    names = NETWORKS if not a.only else [n.strip() for n in a.only.split(",") if n.strip()]
    bad = [n for n in names if n not in NETWORKS]
    if bad:
        ap.error(f"unknown network(s) {', '.join(bad)}; known: {', '.join(NETWORKS)}")

    import importlib
    import torch
    torch.set_num_threads(a.threads)
    os.makedirs(a.out, exist_ok=True)
    summary_path = os.path.join(a.out, "summary.json")
    summary = {}
    if os.path.exists(summary_path):
        try:
            with open(summary_path) as f:
                summary = {e["file"]: e for e in json.load(f).get("files", [])}
        except (ValueError, KeyError, TypeError):
            summary = {}
    t0 = time.time()
    for name in names:
        print(f"{name}:", file=sys.stderr)
        mod = importlib.import_module(name)
        for info in mod.build(a.out, force=a.force, seed=a.seed, full=not a.no_full):
            info["script"] = f"models/refnets/{name}.py"
            summary[info["file"]] = info
    def order(e):
        script = os.path.basename(e.get("script", ""))[:-3]
        return (NETWORKS.index(script) if script in NETWORKS else len(NETWORKS), e["file"])

    files = sorted(summary.values(), key=order)
    with open(summary_path, "w") as f:
        json.dump({"seed": a.seed, "opset": 13, "files": files}, f, indent=1)
    print(f"\n{'file':44s} {'params':>12s} {'GMACs':>10s} {'GMACs/img':>10s}", file=sys.stderr)
    for e in files:
        print(f"{e['file']:44s} {e['params']:>12,d} {e['gmacs']:>10.3f} {e['gmacs_per_image']:>10.3f}",
              file=sys.stderr)
    print(f"wrote {summary_path} ({time.time() - t0:.0f} s)", file=sys.stderr)


if __name__ == "__main__":
    main()
