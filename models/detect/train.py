#!/usr/bin/python3
"""Train dlakit's small SSD-style detector on the synthetic shapes set (gen_data.py) and export it to ONNX.

    /usr/bin/python3 models/detect/train.py --out models/detect [--epochs 12] [--train 16000] [--threads 2]
    /usr/bin/python3 models/detect/train.py --out models/detect --export-only     # from cache/detect/detector.pt

Data: train images 0..TRAIN-1 of the "train" split (generated once, cached in cache/detect/), val images 0..499
for the per-epoch log, test images 0..1999 for the final figures (the committed subset data/test_* is test 0..59).
Augmentation: random horizontal and vertical flips (every class is symmetric under both).
Loss (SSD): anchors matched to ground truth by IoU (>= 0.5 positive, < 0.4 negative, in between ignored; each
ground-truth box also claims its best anchor), smooth L1 (beta 1/9) on the box codes of positives + softmax
cross-entropy on positives and the hardest negatives (3 per positive), both divided by the number of positives.
Writes, under --out:
    detect_heads.onnx       image [1,3,96,96] -> head_s8 [1,30,12,12], head_s16 [1,30,6,6], head_s32 [1,30,3,3]
    detect_full.onnx        image -> boxes [20,4], scores [20], labels [20] int64, num_detections [1] int64,
                            selected_indices [S,3] int64 (decoding, softmax, NonMaxSuppression, TopK, Gather)
    samples/input_K.npy     test image K (the first subset images with 4 and with 3 objects) as the float model
                            input [1,3,96,96]
    samples/expected_*_K.npy  torch's outputs of both models for input_K
    data/test_*.npy         the committed evaluation subset (gen_data.py, test 0..59)
    train_log.json          mAP figures, timings, per-epoch history
"""
import argparse
import json
import os
import sys
import time

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # before torch loads OpenMP: no spinning on a shared machine
import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import coco_map  # noqa: E402
import detector as D  # noqa: E402
import gen_data  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
CACHE = os.path.join(ROOT, "cache", "detect")
SUBSET = 60
N_VAL, N_TEST = 500, 2000


def load_split(split, count):
    os.makedirs(CACHE, exist_ok=True)
    path = os.path.join(CACHE, f"{split}_{count}.npz")
    if os.path.exists(path):
        z = np.load(path)
        return z["images"], z["boxes"], z["labels"]
    t = time.time()
    images, boxes, labels, _ = gen_data.make_set(split, 0, count)
    np.savez(path, images=images, boxes=boxes, labels=labels)
    print(f"generated {split} x{count} in {time.time() - t:.1f} s", flush=True)
    return images, boxes, labels


def box_iou(a, b):
    """a [..., n, 4], b [..., m, 4] (x1, y1, x2, y2) -> [..., n, m]."""
    lt = torch.maximum(a[..., :, None, :2], b[..., None, :, :2])
    rb = torch.minimum(a[..., :, None, 2:], b[..., None, :, 2:])
    inter = (rb - lt).clamp(min=0).prod(-1)
    area_a = (a[..., 2] - a[..., 0]) * (a[..., 3] - a[..., 1])
    area_b = (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1])
    return inter / (area_a[..., :, None] + area_b[..., None, :] - inter).clamp(min=1e-6)


def match(anc, gt_boxes, gt_labels, pos_thr=0.5, neg_thr=0.4):
    """anc [B, 4] (cx, cy, w, h); gt [N, M, 4] / [N, M] (-1 padding) -> target class [N, B] (0 background,
    -1 ignore, k + 1 class k) and target codes [N, B, 4]."""
    anc_xyxy = torch.cat([anc[:, :2] - anc[:, 2:] / 2, anc[:, :2] + anc[:, 2:] / 2], 1)
    n, m = gt_labels.shape
    valid = gt_labels >= 0                                                   # [N, M]
    iou = box_iou(anc_xyxy.expand(n, -1, -1), gt_boxes)                      # [N, B, M]
    iou = torch.where(valid[:, None, :], iou, torch.full_like(iou, -1.0))
    best_iou, best_gt = iou.max(2)                                           # [N, B]
    # each ground-truth box claims its best anchor
    best_anchor = iou.argmax(1)                                              # [N, M]
    for j in range(m):
        rows = torch.nonzero(valid[:, j]).reshape(-1)
        best_gt[rows, best_anchor[rows, j]] = j
        best_iou[rows, best_anchor[rows, j]] = 2.0
    lab = torch.gather(gt_labels, 1, best_gt) + 1
    cls = torch.where(best_iou >= pos_thr, lab, torch.where(best_iou < neg_thr, torch.zeros_like(lab),
                                                            torch.full_like(lab, -1)))
    matched = torch.gather(gt_boxes, 1, best_gt[..., None].expand(-1, -1, 4))
    return cls, D.encode(matched, anc.expand(n, -1, -1))


def ssd_loss(heads, anc, gt_boxes, gt_labels, neg_ratio=3):
    loc, conf = D.flatten_heads(heads)
    cls, codes = match(anc, gt_boxes, gt_labels)
    pos = cls > 0
    n_pos = pos.sum().clamp(min=1).float()
    loss_loc = F.smooth_l1_loss(loc[pos], codes[pos], beta=1.0 / 9, reduction="sum") / n_pos
    ce = F.cross_entropy(conf.reshape(-1, conf.shape[-1]), cls.clamp(min=0).reshape(-1),
                         reduction="none").reshape(cls.shape)
    neg_ce = torch.where(cls == 0, ce, torch.full_like(ce, -1.0)).detach()
    rank = neg_ce.argsort(1, descending=True).argsort(1)
    n_neg = (pos.sum(1, keepdim=True) * neg_ratio).clamp(min=8)
    hard_neg = (rank < n_neg) & (cls == 0)
    loss_conf = ce[pos | hard_neg].sum() / n_pos
    return loss_loc, loss_conf


def flip(images, boxes, labels, gen):
    """Random horizontal / vertical flips of a uint8 batch and its boxes."""
    n = images.shape[0]
    hf = torch.rand(n, generator=gen) < 0.5
    vf = torch.rand(n, generator=gen) < 0.5
    images = images.clone()
    boxes = boxes.clone()
    images[hf] = images[hf].flip(3)
    images[vf] = images[vf].flip(2)
    bh = boxes[hf]
    boxes[hf] = torch.stack([D.IMG - bh[..., 2], bh[..., 1], D.IMG - bh[..., 0], bh[..., 3]], -1)
    bv = boxes[vf]
    boxes[vf] = torch.stack([bv[..., 0], D.IMG - bv[..., 3], bv[..., 2], D.IMG - bv[..., 1]], -1)
    boxes[labels < 0] = 0
    return images, boxes


def to_input(images_u8):
    return torch.from_numpy(np.asarray(images_u8)).float() / 255.0 if isinstance(images_u8, np.ndarray) \
        else images_u8.float() / 255.0


@torch.no_grad()
def detect(model, images_u8, anc, bs=250):
    """Runs the torch model + the exact full-pipeline post-processing on every image -> list of
    (boxes, scores, labels) numpy arrays (padding removed)."""
    model.eval()
    out = []
    for i in range(0, len(images_u8), bs):
        heads = model(to_input(images_u8[i:i + bs]))
        for k in range(heads[0].shape[0]):
            b, s, l, num, _ = D.postprocess([h[k:k + 1] for h in heads], anc)
            n = int(num[0])
            out.append((b[:n].numpy(), s[:n].numpy(), l[:n].numpy()))
    return out


def evaluate(model, images, boxes, labels, anc):
    dets = detect(model, images, anc)
    return coco_map.evaluate(dets, coco_map.gts_from_arrays(boxes, labels), D.NUM_CLASSES)


def export(model, out_dir, test_images, test_counts):
    import onnx
    model.eval()
    x = to_input(test_images[:1])
    heads_path = os.path.join(out_dir, "detect_heads.onnx")
    full_path = os.path.join(out_dir, "detect_full.onnx")
    torch.onnx.export(model, x, heads_path, opset_version=13, do_constant_folding=True,
                      input_names=["image"], output_names=D.HEAD_NAMES)
    full = D.FullPipeline(model).eval()
    torch.onnx.export(full, x, full_path, opset_version=13, do_constant_folding=True,
                      input_names=["image"], output_names=D.FULL_OUTPUTS,
                      dynamic_axes={"selected_indices": {0: "num_selected"}})
    info = {}
    for p in (heads_path, full_path):
        m = onnx.load(p)
        onnx.checker.check_model(m)
        hist = {}
        for nd in m.graph.node:
            hist[nd.op_type] = hist.get(nd.op_type, 0) + 1
        info[os.path.basename(p)] = {"bytes": os.path.getsize(p), "nodes": len(m.graph.node), "ops": hist}
    sdir = os.path.join(out_dir, "samples")
    os.makedirs(sdir, exist_ok=True)
    # the first subset images with 4 and with 3 objects (more for NMS to do than a lone object)
    picks = [int(np.nonzero(test_counts == c)[0][0]) for c in (4, 3)]
    with torch.no_grad():
        for k in picks:
            xk = to_input(test_images[k:k + 1]).contiguous()
            np.save(os.path.join(sdir, f"input_{k}.npy"), xk.numpy().astype(np.float32))
            for name, t in zip(D.HEAD_NAMES, model(xk)):
                np.save(os.path.join(sdir, f"expected_{name}_{k}.npy"), t.numpy().astype(np.float32))
            for name, t in zip(D.FULL_OUTPUTS, full(xk)):
                np.save(os.path.join(sdir, f"expected_{name}_{k}.npy"), t.numpy())
    return info


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--train", type=int, default=16000, help="training images (train split 0..N-1)")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--export-only", action="store_true", help="load cache/detect/detector.pt, evaluate, export")
    ap.add_argument("--no-test", action="store_true", help="skip the final test-split evaluation")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    torch.use_deterministic_algorithms(True)
    os.makedirs(args.out, exist_ok=True)
    t0 = time.time()

    model = D.Detector()
    anc = D.anchors()
    params = sum(p.numel() for p in model.parameters())
    val = load_split("val", N_VAL)
    ckpt = os.path.join(CACHE, "detector.pt")
    history, train_s = [], None
    if args.export_only:
        model.load_state_dict(torch.load(ckpt))
    else:
        tr_images, tr_boxes, tr_labels = load_split("train", args.train)
        tr_images = torch.from_numpy(tr_images)
        tr_boxes, tr_labels = torch.from_numpy(tr_boxes), torch.from_numpy(tr_labels)
        steps = (args.train + args.batch - 1) // args.batch
        opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=5e-4)
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, epochs=args.epochs, steps_per_epoch=steps,
                                                    pct_start=0.15)
        gen = torch.Generator().manual_seed(args.seed)
        print(f"params {params}, anchors {anc.shape[0]}, train {args.train}, threads {args.threads}", flush=True)
        t_train = time.time()
        for epoch in range(args.epochs):
            model.train()
            te = time.time()
            perm = torch.randperm(args.train, generator=gen)
            s_loc = s_conf = 0.0
            for s in range(steps):
                idx = perm[s * args.batch:(s + 1) * args.batch]
                im, bx = flip(tr_images[idx], tr_boxes[idx], tr_labels[idx], gen)
                l_loc, l_conf = ssd_loss(model(to_input(im)), anc, bx, tr_labels[idx])
                loss = l_loc + l_conf
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                sched.step()
                s_loc += l_loc.item()
                s_conf += l_conf.item()
            dt = time.time() - te
            r = evaluate(model, *val, anc)
            history.append({"epoch": epoch + 1, "loss_loc": s_loc / steps, "loss_conf": s_conf / steps,
                            "val_map": r["map"], "val_map50": r["map50"], "seconds": round(dt, 1)})
            print(f"epoch {epoch + 1}/{args.epochs} loc {s_loc / steps:.4f} conf {s_conf / steps:.4f} "
                  f"val mAP {r['map']:.4f} mAP50 {r['map50']:.4f} ({dt:.1f} s + eval {time.time() - te - dt:.1f} s)",
                  flush=True)
        train_s = time.time() - t_train
        torch.save(model.state_dict(), ckpt)

    model.eval()
    res_val = evaluate(model, *val, anc)
    res = {"val": res_val}
    if not args.no_test:
        te_images, te_boxes, te_labels = load_split("test", N_TEST)
        res["test"] = evaluate(model, te_images, te_boxes, te_labels, anc)
        res["test_subset"] = evaluate(model, te_images[:SUBSET], te_boxes[:SUBSET], te_labels[:SUBSET], anc)
    sub = gen_data.make_set("test", 0, SUBSET)
    gen_data.save_set(os.path.join(args.out, "data"), "test", *sub)
    info = export(model, args.out, sub[0], sub[3])
    for k, v in res.items():
        print(f"{k}: mAP@[.5:.95] {v['map']:.4f}  mAP@.5 {v['map50']:.4f}  mAP@.75 {v['map75']:.4f}  "
              f"per class {[round(a, 3) for a in v['ap_per_class']]}", flush=True)
    log = {"results": res, "params": params, "anchors": int(anc.shape[0]), "epochs": args.epochs,
           "train_images": args.train, "batch": args.batch, "lr": args.lr, "threads": args.threads,
           "seed": args.seed, "train_seconds": None if train_s is None else round(train_s, 1),
           "total_seconds": round(time.time() - t0, 1), "onnx": info, "torch": torch.__version__,
           "history": history}
    if not args.export_only:
        with open(os.path.join(args.out, "train_log.json"), "w") as f:
            json.dump(log, f, indent=1)
    print(json.dumps(info), flush=True)


if __name__ == "__main__":
    main()
