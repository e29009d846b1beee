"""Compares the detections of a full-pipeline run on the DLA (dla exec --exportOutput) with the host FP32 run
(dla run --output-dir): per image, each of the host's top K detections must have a DLA detection of the same class
among the DLA's top 3K whose box is close (IoU >= 0.8, or every coordinate within 0.5% of the image extent: thin
boxes); near-ties may reorder, so order is not checked.
Usage: dyn_compare.py DLA_DIR HOST_DIR [K] [MIN_MATCH]; prints one summary line; exit 1 below MIN_MATCH."""
import sys

import numpy as np


def iou(a, b):
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    ua = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / ua if ua > 0 else float(np.allclose(a, b, atol=1e-4))


def load(d):
    return {n: np.load(f"{d}/{n}.npy") for n in ("detection_boxes", "detection_scores", "detection_classes",
                                                  "num_detections")}


def main():
    dla, host = load(sys.argv[1]), load(sys.argv[2])
    k = int(sys.argv[3]) if len(sys.argv) > 3 else 10
    need = float(sys.argv[4]) if len(sys.argv) > 4 else 0.8
    for n in dla:
        if dla[n].shape[:1] != host[n].shape[:1]:
            print(f"FAIL {n}: DLA shape {dla[n].shape} vs host {host[n].shape}")
            return 1
    matched = total = 0
    worst_iou, worst_score, worst_coord = 1.0, 0.0, 0.0
    extent = max(1.0, float(np.abs(host["detection_boxes"]).max()))
    tol = 0.005 * (extent if extent > 1.5 else 1.0)
    for b in range(host["detection_boxes"].shape[0]):
        nh = int(host["num_detections"][b])
        nd = int(dla["num_detections"][b])
        hb, hs, hc = host["detection_boxes"][b], host["detection_scores"][b], host["detection_classes"][b]
        db, ds, dc = dla["detection_boxes"][b], dla["detection_scores"][b], dla["detection_classes"][b]
        for i in range(min(k, nh)):
            total += 1
            best, bj, bd = 0.0, -1, 1e30
            for j in range(min(3 * k, nd)):
                if dc[j] == hc[i]:
                    v, dist = iou(hb[i], db[j]), float(np.abs(hb[i] - db[j]).max())
                    if v >= 0.8 or dist <= tol:
                        if bj < 0 or dist < bd:
                            best, bj, bd = v, j, dist
            if bj >= 0:
                matched += 1
                worst_iou = min(worst_iou, best)
                worst_coord = max(worst_coord, bd)
                worst_score = max(worst_score, abs(float(hs[i]) - float(ds[bj])))
    frac = matched / total if total else 1.0
    print(f"{'PASS' if frac >= need else 'FAIL'} top-{k} detections matched {matched}/{total} ({frac:.3f}); "
          f"shapes {[tuple(dla[n].shape) for n in dla]}; worst matched IoU {worst_iou:.4f}, "
          f"largest coordinate difference {worst_coord:.4g}, largest score difference {worst_score:.4f}; num_detections DLA {dla['num_detections'].tolist()} "
          f"host {host['num_detections'].tolist()}")
    return 0 if frac >= need else 1


if __name__ == "__main__":
    sys.exit(main())
