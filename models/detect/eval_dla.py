#!/usr/bin/python3
"""mAP of the committed full-pipeline detector run by dlakit's host executor (`dla run`), on the committed
evaluation subset, next to torch's mAP on the same images (a cross-check of the whole detection path).

    /usr/bin/python3 models/detect/eval_dla.py --dla build/bin/dla [--model models/detect/detect_full.onnx]
                                               [--data models/detect/data] [--count N] [--threads 2]

For each image: x = pixel / 255 -> dla run MODEL --input image=x.npy --output-dir TMP, then boxes / scores /
labels / num_detections are read back and scored with coco_map.py. With torch available it also runs the same
images through detect_full.onnx's torch twin (cache/detect/detector.pt, when present) and reports the largest
difference between the two sets of detections.
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import coco_map  # noqa: E402

NUM_CLASSES = 5


def run_dla(dla, model, images_u8, threads):
    dets = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, im in enumerate(images_u8):
            x = os.path.join(tmp, "x.npy")
            np.save(x, (im[None].astype(np.float32) / 255.0))
            od = os.path.join(tmp, "out")
            subprocess.run([dla, "run", model, "--input", f"image={x}", "--output-dir", od,
                            "--threads", str(threads)], check=True, stdout=subprocess.DEVNULL)
            n = int(np.load(os.path.join(od, "num_detections.npy"))[0])
            dets.append((np.load(os.path.join(od, "boxes.npy"))[:n], np.load(os.path.join(od, "scores.npy"))[:n],
                         np.load(os.path.join(od, "labels.npy"))[:n]))
    return dets


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dla", required=True)
    ap.add_argument("--model", default=os.path.join(HERE, "detect_full.onnx"))
    ap.add_argument("--data", default=os.path.join(HERE, "data"))
    ap.add_argument("--count", type=int, default=0, help="first N images only (0: all)")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    images = np.load(os.path.join(args.data, "test_images_u8.npy"))
    boxes = np.load(os.path.join(args.data, "test_boxes.npy"))
    labels = np.load(os.path.join(args.data, "test_labels.npy"))
    if args.count:
        images, boxes, labels = images[:args.count], boxes[:args.count], labels[:args.count]
    gts = coco_map.gts_from_arrays(boxes, labels)
    dets = run_dla(args.dla, args.model, images, args.threads)
    r = coco_map.evaluate(dets, gts, NUM_CLASSES)
    print(f"dla run ({len(images)} images): mAP@[.5:.95] {r['map']:.4f}  mAP@.5 {r['map50']:.4f}  "
          f"mAP@.75 {r['map75']:.4f}")
    try:
        import torch
        import detector as D
        import train
    except ImportError:
        return
    ckpt = os.path.join(train.CACHE, "detector.pt")
    if not os.path.exists(ckpt):
        return
    torch.set_num_threads(args.threads)
    model = D.Detector()
    model.load_state_dict(torch.load(ckpt))
    tdets = train.detect(model, images, D.anchors())
    rt = coco_map.evaluate(tdets, gts, NUM_CLASSES)
    worst_box = worst_score = 0.0
    same = True
    for (b, s, l), (tb, ts, tl) in zip(dets, tdets):
        if len(l) != len(tl) or not np.array_equal(l, tl):
            same = False
            continue
        if len(b):
            worst_box = max(worst_box, float(np.abs(b - tb).max()))
            worst_score = max(worst_score, float(np.abs(s - ts).max()))
    print(f"torch   ({len(images)} images): mAP@[.5:.95] {rt['map']:.4f}  mAP@.5 {rt['map50']:.4f}  "
          f"mAP@.75 {rt['map75']:.4f}")
    print(f"detections {'identical in count and labels' if same else 'DIFFER in count or labels'}; "
          f"max |box diff| {worst_box:.3g} px, max |score diff| {worst_score:.3g}")


if __name__ == "__main__":
    main()
