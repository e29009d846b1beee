"""COCO-style box mAP, written from the COCO detection evaluation's definition (no pycocotools here):

  * IoU thresholds t = 0.50, 0.55, ..., 0.95 (10); IoU = area(A n B) / area(A u B) with areas (x2 - x1) * (y2 - y1)
    in continuous pixel coordinates.
  * Per class and threshold: the class's detections of all images, sorted by descending score (stable), at most
    max_det per image (the highest scored). Each detection is matched, in that order, to the not-yet-matched
    ground-truth box of the same class in the same image with the highest IoU >= t: a true positive; otherwise a
    false positive. (No crowd / ignore regions and no area ranges: every ground-truth box counts.)
  * precision / recall along the cumulated TP / FP; precision made monotone (each value replaced by the maximum
    precision at any higher recall); AP = mean over 101 recall points r = 0, 0.01, ..., 1 of the precision at the
    first point whose recall >= r (0 when recall never reaches r).
  * mAP@[.5:.95] = mean of AP over the 10 thresholds and the classes that have ground truth; mAP@.5 = mean of AP at
    t = 0.5 over those classes.
"""
import numpy as np

IOU_THRS = np.round(np.arange(0.5, 0.951, 0.05), 2)
RECALL_PTS = np.linspace(0.0, 1.0, 101)


def iou_matrix(a, b):
    """a [n, 4], b [m, 4] (x1, y1, x2, y2) -> [n, m]."""
    a = np.asarray(a, np.float64).reshape(-1, 4)
    b = np.asarray(b, np.float64).reshape(-1, 4)
    iw = np.clip(np.minimum(a[:, None, 2], b[None, :, 2]) - np.maximum(a[:, None, 0], b[None, :, 0]), 0, None)
    ih = np.clip(np.minimum(a[:, None, 3], b[None, :, 3]) - np.maximum(a[:, None, 1], b[None, :, 1]), 0, None)
    inter = iw * ih
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    union = area_a[:, None] + area_b[None, :] - inter
    return np.where(union > 0, inter / np.maximum(union, 1e-12), 0.0)


def average_precision(tp, n_gt):
    """tp: bool [n_det] in score order; n_gt > 0 -> 101-point interpolated AP."""
    tp = np.asarray(tp, bool)
    ctp = np.cumsum(tp)
    cfp = np.cumsum(~tp)
    recall = ctp / n_gt
    precision = ctp / np.maximum(ctp + cfp, 1)
    # monotone envelope (from the right)
    for i in range(len(precision) - 2, -1, -1):
        precision[i] = max(precision[i], precision[i + 1])
    idx = np.searchsorted(recall, RECALL_PTS, side="left")
    q = np.zeros(len(RECALL_PTS))
    ok = idx < len(precision)
    q[ok] = precision[idx[ok]]
    return float(q.mean())


def evaluate(dets, gts, num_classes, max_det=100):
    """dets: per image (boxes [k, 4], scores [k], labels [k]); gts: per image (boxes [n, 4], labels [n]).
    Returns {"map": mAP@[.5:.95], "map50": mAP@.5, "map75": ..., "ap_per_class": [...], "ap_per_iou": [...]}."""
    assert len(dets) == len(gts)
    ap = np.full((len(IOU_THRS), num_classes), np.nan)
    for c in range(num_classes):
        n_gt = 0
        gt_c, det_list = [], []
        for i, ((db, ds, dl), (gb, gl)) in enumerate(zip(dets, gts)):
            db, ds, dl = np.asarray(db).reshape(-1, 4), np.asarray(ds).reshape(-1), np.asarray(dl).reshape(-1)
            order = np.argsort(-ds, kind="stable")[:max_det]
            db, ds, dl = db[order], ds[order], dl[order]
            g = np.asarray(gb).reshape(-1, 4)[np.asarray(gl).reshape(-1) == c]
            gt_c.append(g)
            n_gt += len(g)
            m = dl == c
            for b, s in zip(db[m], ds[m]):
                det_list.append((s, i, b))
        if n_gt == 0:
            continue
        det_list.sort(key=lambda d: -d[0])          # stable: ties keep image order
        ious = [iou_matrix(d[2][None], gt_c[d[1]])[0] if len(gt_c[d[1]]) else np.zeros(0) for d in det_list]
        for ti, t in enumerate(IOU_THRS):
            used = [np.zeros(len(g), bool) for g in gt_c]
            tp = np.zeros(len(det_list), bool)
            for k, d in enumerate(det_list):
                iou = ious[k]
                if iou.size == 0:
                    continue
                cand = np.where(~used[d[1]] & (iou >= t - 1e-10), iou, -1.0)
                j = int(np.argmax(cand))
                if cand[j] >= 0:
                    used[d[1]][j] = True
                    tp[k] = True
            ap[ti, c] = average_precision(tp, n_gt) if len(det_list) else 0.0
    have = ~np.isnan(ap[0])
    return {"map": float(np.nanmean(ap[:, have])), "map50": float(np.nanmean(ap[0, have])),
            "map75": float(np.nanmean(ap[5, have])),
            "ap_per_class": [float(np.mean(ap[:, c])) if have[c] else None for c in range(num_classes)],
            "ap_per_iou": [float(np.nanmean(ap[i, have])) for i in range(len(IOU_THRS))]}


def gts_from_arrays(boxes, labels):
    """Padded arrays (boxes [N, M, 4], labels [N, M] with -1 padding) -> list of (boxes, labels)."""
    out = []
    for b, l in zip(boxes, labels):
        m = l >= 0
        out.append((b[m], l[m]))
    return out


def _self_test():
    # a perfect detector: AP 1 everywhere
    g = [(np.array([[0, 0, 10, 10], [20, 20, 40, 40]], np.float32), np.array([0, 1]))]
    d = [(g[0][0], np.array([0.9, 0.8]), g[0][1])]
    r = evaluate(d, g, 2)
    assert abs(r["map"] - 1) < 1e-12, r
    # one box shifted so its IoU is 0.6: TP at t <= 0.6 (3 thresholds: .5, .55, .6) -> class 0 AP 0.3
    d = [(np.array([[2.5, 0, 12.5, 10], [20, 20, 40, 40]], np.float32), np.array([0.9, 0.8]), np.array([0, 1]))]
    r = evaluate(d, g, 2)
    assert abs(r["ap_per_class"][0] - 0.3) < 1e-12 and abs(r["map"] - 0.65) < 1e-12, r
    # a false positive ranked above the true positive: precision 1/2 at recall 1 -> AP 0.5
    d = [(np.array([[50, 50, 60, 60], [0, 0, 10, 10]], np.float32), np.array([0.9, 0.8]), np.array([0, 0]))]
    r = evaluate(d, [(g[0][0][:1], g[0][1][:1])], 1)
    assert abs(r["map"] - 0.5) < 1e-12, r
    # half the ground truth found: recall points 0..0.5 (51 of 101) at precision 1
    d = [(np.array([[0, 0, 10, 10]], np.float32), np.array([0.9]), np.array([0]))]
    r = evaluate(d, [(g[0][0], np.array([0, 0]))], 1)
    assert abs(r["map"] - 51 / 101) < 1e-12, r
    print("coco_map self-test ok")


if __name__ == "__main__":
    _self_test()
