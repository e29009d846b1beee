#!/usr/bin/python3
"""Deterministic synthetic detection set for dlakit's small detector ("shapes96").

Images: 96x96 RGB uint8 on a textured background (smooth noise blobs, linear gradients, sinusoidal stripes or a
checkerboard, plus pixel noise), with 1-4 objects of 5 classes:

    0 circle    filled ellipse (aspect 0.8-1.25)
    1 square    filled axis-aligned rectangle (aspect 0.8-1.25)
    2 triangle  filled isosceles triangle, apex up or down, base = box width
    3 cross     plus sign, arm thickness 30-45 % of the box side
    4 ring      elliptical annulus, inner radius 45-65 % of the outer one

Object box sides are 12-44 px (uniform), boxes lie fully inside the image, two boxes overlap by at most 15 % of
the smaller one (so no object is hidden). Each object has one flat colour that differs from the background mean
under it by at least 0.3 (mean absolute difference over R, G, B on a 0..1 scale). Shapes are rendered with 4x4
supersampling (anti-aliased edges), so boxes are exact: a box is the shape's geometric extent in continuous pixel
coordinates (x1, y1, x2, y2), pixel column i covering [i, i+1).

Determinism: image k of split s is drawn from numpy's PCG64 seeded with SeedSequence([SPLITS[s], k]) and nothing
else, so any image can be regenerated on its own, in any order. Splits: train = 0, val = 1, test = 2.

    /usr/bin/python3 models/detect/gen_data.py --out models/detect/data --split test --count 60
writes (the committed evaluation subset):
    test_images_u8.npy   uint8 [N, 3, 96, 96] (NCHW, RGB; the model input is x = pixel / 255)
    test_boxes.npy       float32 [N, 4, 4] (x1, y1, x2, y2) in pixels, rows past the image's count are 0
    test_labels.npy      int64 [N, 4] class ids 0..4, -1 for the padding rows
    test_counts.npy      int64 [N] objects per image (1..4)
"""
import argparse
import os

import numpy as np

IMG = 96
CLASSES = ["circle", "square", "triangle", "cross", "ring"]
SPLITS = {"train": 0, "val": 1, "test": 2}
MAX_OBJ = 4
MIN_SIDE, MAX_SIDE = 12.0, 44.0
SS = 4  # supersampling factor per axis


def _rng(split, k):
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([SPLITS[split], int(k)])))


def _background(rng):
    """HxWx3 float in [0, 1]."""
    y, x = np.mgrid[0:IMG, 0:IMG].astype(np.float64) + 0.5
    c0, c1 = rng.uniform(0, 1, 3), rng.uniform(0, 1, 3)
    kind = rng.integers(0, 4)
    if kind == 0:  # smooth noise blobs: bilinear upsampling of a coarse random grid
        g = int(rng.integers(3, 9))
        coarse = rng.uniform(0, 1, (g + 1, g + 1, 3))
        u, v = x / IMG * g, y / IMG * g
        i, j = np.minimum(v.astype(int), g - 1), np.minimum(u.astype(int), g - 1)
        fv, fu = (v - i)[..., None], (u - j)[..., None]
        img = (coarse[i, j] * (1 - fv) * (1 - fu) + coarse[i + 1, j] * fv * (1 - fu)
               + coarse[i, j + 1] * (1 - fv) * fu + coarse[i + 1, j + 1] * fv * fu)
        img = 0.5 * img + 0.25 + 0.5 * (c0 - 0.5) * 0.5
    elif kind == 1:  # linear gradient
        a = rng.uniform(0, 2 * np.pi)
        t = ((x - IMG / 2) * np.cos(a) + (y - IMG / 2) * np.sin(a)) / (IMG * 0.71) + 0.5
        t = np.clip(t, 0, 1)[..., None]
        img = c0 * (1 - t) + c1 * t
    elif kind == 2:  # stripes
        a = rng.uniform(0, np.pi)
        period = rng.uniform(5, 24)
        t = 0.5 + 0.5 * np.sin(2 * np.pi * (x * np.cos(a) + y * np.sin(a)) / period + rng.uniform(0, 6.3))
        t = t[..., None]
        img = c0 * (1 - t) + c1 * t
        img = 0.6 * img + 0.4 * img.mean(axis=2, keepdims=True)  # less saturated stripes
    else:  # checkerboard
        cell = rng.uniform(6, 20)
        t = ((np.floor(x / cell) + np.floor(y / cell)) % 2)[..., None]
        c1 = c0 + rng.uniform(-0.25, 0.25, 3)
        img = c0 * (1 - t) + c1 * t
    return np.clip(img, 0, 1)


def _mask(cls, x1, y1, w, h, rng):
    """Coverage (0..1) of the shape over the integer pixels of its box window: returns (px0, py0, alpha[hh, ww])."""
    px0, py0 = int(np.floor(x1)), int(np.floor(y1))
    px1, py1 = int(np.ceil(x1 + w)), int(np.ceil(y1 + h))
    ww, hh = px1 - px0, py1 - py0
    sub = (np.arange(SS) + 0.5) / SS
    xs = (px0 + np.arange(ww)[:, None] + sub[None, :]).reshape(-1)  # ww*SS sample x coordinates
    ys = (py0 + np.arange(hh)[:, None] + sub[None, :]).reshape(-1)
    X, Y = np.meshgrid(xs, ys)
    cx, cy = x1 + w / 2, y1 + h / 2
    dx, dy = (X - cx) / (w / 2), (Y - cy) / (h / 2)  # -1..1 inside the box
    inside_box = (np.abs(dx) <= 1) & (np.abs(dy) <= 1)
    if cls == 0:
        m = dx * dx + dy * dy <= 1
    elif cls == 1:
        m = inside_box
    elif cls == 2:
        up = rng.integers(0, 2) == 1
        t = (dy + 1) / 2 if up else (1 - dy) / 2  # 0 at the apex, 1 at the base
        m = inside_box & (np.abs(dx) <= t)
    elif cls == 3:
        th = rng.uniform(0.30, 0.45)
        m = inside_box & ((np.abs(dx) <= th) | (np.abs(dy) <= th))
    else:
        r = rng.uniform(0.45, 0.65)
        d2 = dx * dx + dy * dy
        m = (d2 <= 1) & (d2 >= r * r)
    alpha = m.reshape(hh, SS, ww, SS).mean(axis=(1, 3))
    return px0, py0, alpha


def _overlap_ok(box, boxes):
    for b in boxes:
        iw = min(box[2], b[2]) - max(box[0], b[0])
        ih = min(box[3], b[3]) - max(box[1], b[1])
        if iw > 0 and ih > 0:
            smaller = min((box[2] - box[0]) * (box[3] - box[1]), (b[2] - b[0]) * (b[3] - b[1]))
            if iw * ih > 0.15 * smaller:
                return False
    return True


def make_image(split, k):
    """Returns (image uint8 [3, IMG, IMG], boxes float32 [n, 4], labels int64 [n])."""
    rng = _rng(split, k)
    img = _background(rng)
    n = int(rng.integers(1, MAX_OBJ + 1))
    boxes, labels = [], []
    for _ in range(n):
        for _try in range(50):
            side = rng.uniform(MIN_SIDE, MAX_SIDE)
            aspect = np.exp(rng.uniform(np.log(0.8), np.log(1.25)))
            w, h = side * np.sqrt(aspect), side / np.sqrt(aspect)
            x1, y1 = rng.uniform(1, IMG - 1 - w), rng.uniform(1, IMG - 1 - h)
            box = [x1, y1, x1 + w, y1 + h]
            if _overlap_ok(box, boxes):
                break
        else:
            continue
        cls = int(rng.integers(0, len(CLASSES)))
        px0, py0, alpha = _mask(cls, x1, y1, w, h, rng)
        hh, ww = alpha.shape
        region = img[py0:py0 + hh, px0:px0 + ww]
        bg_mean = region.reshape(-1, 3).mean(axis=0)
        for _c in range(50):
            colour = rng.uniform(0, 1, 3)
            if np.abs(colour - bg_mean).mean() >= 0.3:
                break
        else:
            colour = np.where(bg_mean > 0.5, 0.0, 1.0)
        a = alpha[..., None]
        img[py0:py0 + hh, px0:px0 + ww] = region * (1 - a) + colour * a
        boxes.append(box)
        labels.append(cls)
    img = img + rng.normal(0, rng.uniform(0.01, 0.06), img.shape)
    u8 = np.clip(np.round(img * 255), 0, 255).astype(np.uint8).transpose(2, 0, 1)
    return np.ascontiguousarray(u8), np.array(boxes, np.float32).reshape(-1, 4), np.array(labels, np.int64)


def make_set(split, start, count):
    """Images [count, 3, IMG, IMG] uint8, boxes [count, MAX_OBJ, 4] float32 (zero padded),
    labels [count, MAX_OBJ] int64 (-1 padded), counts [count] int64."""
    images = np.zeros((count, 3, IMG, IMG), np.uint8)
    boxes = np.zeros((count, MAX_OBJ, 4), np.float32)
    labels = np.full((count, MAX_OBJ), -1, np.int64)
    counts = np.zeros(count, np.int64)
    for i in range(count):
        im, b, l = make_image(split, start + i)
        images[i] = im
        boxes[i, :len(b)] = b
        labels[i, :len(l)] = l
        counts[i] = len(l)
    return images, boxes, labels, counts


def save_set(out_dir, prefix, images, boxes, labels, counts):
    os.makedirs(out_dir, exist_ok=True)
    np.save(os.path.join(out_dir, f"{prefix}_images_u8.npy"), images)
    np.save(os.path.join(out_dir, f"{prefix}_boxes.npy"), boxes)
    np.save(os.path.join(out_dir, f"{prefix}_labels.npy"), labels)
    np.save(os.path.join(out_dir, f"{prefix}_counts.npy"), counts)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "data"))
    ap.add_argument("--split", choices=sorted(SPLITS), default="test")
    ap.add_argument("--start", type=int, default=0)
    ap.add_argument("--count", type=int, default=60)
    ap.add_argument("--preview", help="also write a PNG contact sheet of the first 16 images with their boxes")
    args = ap.parse_args()
    images, boxes, labels, counts = make_set(args.split, args.start, args.count)
    save_set(args.out, args.split, images, boxes, labels, counts)
    print(f"{args.split}[{args.start}:{args.start + args.count}]: {args.count} images, {int(counts.sum())} objects, "
          f"per class {np.bincount(labels[labels >= 0], minlength=len(CLASSES)).tolist()} -> {args.out}")
    if args.preview:
        preview(args.preview, images[:16], boxes[:16], labels[:16])


def preview(path, images, boxes, labels):
    """A 4x4 contact sheet with the boxes drawn (a visual check; needs PIL)."""
    from PIL import Image, ImageDraw
    sheet = Image.new("RGB", (4 * (IMG * 2 + 4), 4 * (IMG * 2 + 4)), (255, 255, 255))
    for i in range(len(images)):
        im = Image.fromarray(images[i].transpose(1, 2, 0)).resize((IMG * 2, IMG * 2), Image.NEAREST)
        d = ImageDraw.Draw(im)
        for b, l in zip(boxes[i], labels[i]):
            if l >= 0:
                d.rectangle([b[0] * 2, b[1] * 2, b[2] * 2 - 1, b[3] * 2 - 1], outline=(255, 0, 0))
                d.text((b[0] * 2 + 1, b[1] * 2 + 1), CLASSES[l][:3], fill=(255, 0, 0))
        sheet.paste(im, ((i % 4) * (IMG * 2 + 4), (i // 4) * (IMG * 2 + 4)))
    sheet.save(path)


if __name__ == "__main__":
    main()
