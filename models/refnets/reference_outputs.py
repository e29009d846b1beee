#!/usr/bin/python3
"""Torch's outputs of a detector's full pipeline on a seeded random input, to check an executor against.

    /usr/bin/python3 models/refnets/reference_outputs.py NAME DIR [--seed 0] [--input-seed 7]
    /usr/bin/python3 models/refnets/reference_outputs.py --compare GOT_DIR DIR

NAME: ssd_mobilenet_v1, ssd_resnet34, retinanet_resnext50, retinanet_resnet34 (the weights are the ones
build_all.py exports with the same --seed). Writes DIR/input.npy, DIR/expected_<output>.npy and DIR/manifest.json
(input name and shape, outputs). --compare checks GOT_DIR/<output>.npy (as `dla run --output-dir` writes them)
against DIR: per image the same number of detections, the sorted scores within 1e-4, and every expected detection
found within 3 places of its rank with the same class, its score within 1e-4 and its box within 1e-3 of the box
scale (adjacent detections whose scores tie to within float rounding may swap places). Exit status 1 on a mismatch.
"""
import argparse
import importlib
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
DETECTORS = ["ssd_mobilenet_v1", "ssd_resnet34", "retinanet_resnext50", "retinanet_resnet34"]


def write(name, out, seed, input_seed):
    import torch
    torch.set_num_threads(2)
    module, input_name, shape, outputs = importlib.import_module(name).make_full(seed)
    x = torch.randn(*shape, generator=torch.Generator().manual_seed(input_seed))
    if name == "ssd_mobilenet_v1":
        x = x.clamp(-1, 1)  # its input is an image scaled to [-1, 1]
    with torch.no_grad():
        ys = module(x)
    os.makedirs(out, exist_ok=True)
    np.save(os.path.join(out, "input.npy"), x.numpy())
    for o, y in zip(outputs, ys):
        np.save(os.path.join(out, f"expected_{o}.npy"), y.numpy())
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump({"network": name, "seed": seed, "input_seed": input_seed, "input_name": input_name,
                   "input_shape": list(shape), "outputs": outputs,
                   "num_detections": ys[3].tolist()}, f, indent=1)


def compare(got_dir, ref_dir):
    man = json.load(open(os.path.join(ref_dir, "manifest.json")))
    want = {o: np.load(os.path.join(ref_dir, f"expected_{o}.npy")) for o in man["outputs"]}
    got = {}
    for o in man["outputs"]:
        p = os.path.join(got_dir, f"{o}.npy")
        if not os.path.exists(p):
            return [f"missing output {o}"]
        got[o] = np.load(p)
        if got[o].shape != want[o].shape:
            return [f"{o}: shape {got[o].shape} vs {want[o].shape}"]
    gb, gs, gc, gn = (got[o] for o in man["outputs"])
    wb, ws, wc, wn = (want[o] for o in man["outputs"])
    errors = []
    box_tol = 1e-3 * max(1.0, float(np.abs(wb).max()))
    for b in range(wn.shape[0]):
        if int(gn[b]) != int(wn[b]):
            errors.append(f"image {b}: {int(gn[b])} detections vs {int(wn[b])}")
            continue
        n = int(wn[b])
        if n and np.abs(np.sort(gs[b, :n]) - np.sort(ws[b, :n])).max() > 1e-4:
            errors.append(f"image {b}: scores differ by {np.abs(np.sort(gs[b, :n]) - np.sort(ws[b, :n])).max():.3g}")
        for i in range(n):
            lo, hi = max(0, i - 3), min(n, i + 4)
            ok = [j for j in range(lo, hi) if gc[b, j] == wc[b, i] and abs(gs[b, j] - ws[b, i]) <= 1e-4
                  and np.abs(gb[b, j] - wb[b, i]).max() <= box_tol]
            if not ok:
                errors.append(f"image {b}: detection {i} (class {int(wc[b, i])}, score {ws[b, i]:.6f}, box "
                              f"{np.round(wb[b, i], 3).tolist()}) not found near rank {i}")
                if len(errors) > 5:
                    return errors
    return errors


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("name", help="network, or GOT_DIR with --compare")
    ap.add_argument("dir")
    ap.add_argument("--compare", action="store_true")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--input-seed", type=int, default=7)
    a = ap.parse_args()
    if a.compare:
        errors = compare(a.name, a.dir)
        man = json.load(open(os.path.join(a.dir, "manifest.json")))
        if errors:
            print(f"FAIL {man['network']}: " + "; ".join(errors))
            sys.exit(1)
        print(f"PASS {man['network']}: detections per image {man['num_detections']} match torch")
        return
    if a.name not in DETECTORS:
        ap.error(f"unknown network {a.name}; known: {', '.join(DETECTORS)}")
    write(a.name, a.dir, a.seed, a.input_seed)


if __name__ == "__main__":
    main()
