#!/usr/bin/python3
"""SSD-ResNet-34 at 1200x1200, batch 1, as in the MLPerf inference reference (`ssd_r34.py` of mlcommons/inference
vision/classification_and_detection; the model DLA-SW's prepare_models takes from zenodo 3228411,
`resnet34-ssd1200.onnx`).

Architecture:
- Backbone: ResNet-34 (torchvision) conv1 .. layer3, with the first block of layer3 given stride 1 (its 3x3 conv and
  its downsample), so the feature map is 1200/8 = 150x150x256.
- Additional blocks (conv + bias + ReLU, no batch norm): 1x1 256 -> 3x3/2 pad 1 512 (75x75), 1x1 256 -> 3x3/2
  pad 1 512 (38x38), 1x1 128 -> 3x3/2 pad 1 256 (19x19), 1x1 128 -> 3x3/2 pad 0 256 (9x9), 1x1 128 -> 3x3 pad 0
  256 (7x7).
- Heads: per level a 3x3 loc conv (anchors x 4) and a 3x3 conf conv (anchors x 81: 80 COCO classes + background),
  both with stride 3 and pad 1 (the MLPerf 1200x1200 model's `strides=[3, 3, ...]`), so the head maps are
  50, 25, 13, 7, 3, 3; 4, 6, 6, 6, 4, 4 anchors per cell: 15130 boxes.
Surgery as in prepare_models: each loc/conf conv pair fused horizontally (output channels concatenated: loc first,
then conf), cut there: 6 outputs `fused_head_<i>` (N x A*85 x H x W). Input `image`, 1 x 3 x 1200 x 1200.

Full pipeline (second file, `_full`): the MLPerf post-processing as ONNX ops: default boxes (fig 1200, steps
24, 48, 92, 171, 400, 400; scales 84, 180, 396, 612, 828, 1044, 1260; aspect ratios [2], [2,3]x3, [2], [2]),
decoding with scale_xy 0.1 / scale_wh 0.2, softmax over the 81 classes, per class (1..80) the top 200 candidates,
NonMaxSuppression (IoU 0.5, score threshold 0.05; classes kept apart by offsetting their boxes) and the top 200
overall: detection_boxes [N,200,4] (x1, y1, x2, y2, normalised), detection_scores, detection_classes (1..80; -1 =
padding), num_detections.

    /usr/bin/python3 models/refnets/ssd_resnet34.py [--out DIR] [--force] [--no-full]
"""
import itertools
import math
import os
import sys

import torch
import torch.nn as nn
import torchvision

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
import postprocess  # noqa: E402

NAME = "ssd_resnet34"
BATCH, SIZE, CLASSES = 1, 1200, 81
INPUT = "image"
CHANNELS = [256, 512, 512, 256, 256, 256]
ANCHORS_PER_CELL = [4, 6, 6, 6, 4, 4]
HEAD_STRIDE = 3


class SSDResNet34(nn.Module):
    def __init__(self, classes=CLASSES):
        super().__init__()
        r = torchvision.models.resnet34(weights=None)
        r.layer3[0].conv1.stride = (1, 1)
        r.layer3[0].downsample[0].stride = (1, 1)
        self.backbone = nn.Sequential(r.conv1, r.bn1, r.relu, r.maxpool, r.layer1, r.layer2, r.layer3)
        c = CHANNELS
        spec = [(c[0], 256, c[1], 2, 1), (c[1], 256, c[2], 2, 1), (c[2], 128, c[3], 2, 1), (c[3], 128, c[4], 2, 0),
                (c[4], 128, c[5], 1, 0)]
        self.additional = nn.ModuleList(
            nn.Sequential(nn.Conv2d(ci, mid, 1), nn.ReLU(), nn.Conv2d(mid, co, 3, stride=s, padding=p), nn.ReLU())
            for ci, mid, co, s, p in spec)
        self.heads = nn.ModuleList(nn.Conv2d(ch, a * 4 + a * classes, 3, stride=HEAD_STRIDE, padding=1)
                                   for ch, a in zip(CHANNELS, ANCHORS_PER_CELL))

    def forward(self, x):
        f = self.backbone(x)
        feats = [f]
        for b in self.additional:
            f = b(f)
            feats.append(f)
        return [h(t) for h, t in zip(self.heads, feats)]


def default_boxes(fig=SIZE, feat=(50, 25, 13, 7, 3, 3)):
    """MLPerf dboxes_R34_coco as (cx, cy, w, h), normalised, in the order [level][box shape][y][x]."""
    steps = [int(fig / f) for f in feat]
    scales = [int(s * fig / 300) for s in (21, 45, 99, 153, 207, 261, 315)]
    ratios = [[2], [2, 3], [2, 3], [2, 3], [2], [2]]
    out = []
    for idx, f in enumerate(feat):
        fk = fig / steps[idx]
        sk1, sk2 = scales[idx] / fig, scales[idx + 1] / fig
        sk3 = math.sqrt(sk1 * sk2)
        sizes = [(sk1, sk1), (sk3, sk3)]
        for a in ratios[idx]:
            w, h = sk1 * math.sqrt(a), sk1 / math.sqrt(a)
            sizes += [(w, h), (h, w)]
        for w, h in sizes:
            for i, j in itertools.product(range(f), range(f)):
                out.append((min(max((j + 0.5) / fk, 0), 1), min(max((i + 0.5) / fk, 0), 1),
                            min(max(w, 0), 1), min(max(h, 0), 1)))
    return torch.tensor(out, dtype=torch.float32)


class SSDResNet34Full(nn.Module):
    """Backbone and fused heads + the MLPerf SSD-ResNet-34 post-processing (see the module doc)."""

    def __init__(self, net, batch, per_class=200, max_total=200):
        super().__init__()
        self.net, self.batch, self.per_class, self.max_total = net, batch, per_class, max_total
        self.register_buffer("dboxes", default_boxes())

    def forward(self, x):
        locs, confs = [], []
        for out, a in zip(self.net(x), ANCHORS_PER_CELL):
            n = out.shape[0]
            locs.append(out[:, :a * 4].reshape(n, 4, -1))           # channel k*A + a -> [N, 4, A*H*W]
            confs.append(out[:, a * 4:].reshape(n, CLASSES, -1))    # channel c*A + a -> [N, 81, A*H*W]
        loc = torch.cat(locs, 2).permute(0, 2, 1)                   # [N, 15130, 4] (dx, dy, dw, dh)
        prob = torch.softmax(torch.cat(confs, 2), 1)[:, 1:]          # [N, 80, 15130]
        boxes = postprocess.decode_center_size(loc, self.dboxes, 10.0, 5.0)   # (x1, y1, x2, y2)
        n, c, b = prob.shape
        # per class, the top `per_class` candidates (MLPerf: score_sorted[-max_num:])
        cand_scores, cand_idx = torch.topk(prob, self.per_class, dim=2)        # [N, 80, K]
        cand_boxes = torch.gather(boxes.unsqueeze(1).expand(n, c, b, 4), 2,
                                  cand_idx.unsqueeze(3).expand(n, c, self.per_class, 4))  # [N, 80, K, 4]
        # classes never suppress each other: shift each class's boxes by 2*class (coordinates are in [0, 1] +-)
        offset = (torch.arange(c, dtype=torch.float32) * 4.0).reshape(1, c, 1, 1)
        flat_boxes = (cand_boxes + offset).reshape(n, c * self.per_class, 4)
        flat_scores = cand_scores.reshape(n, 1, c * self.per_class)
        sel = postprocess.nms(flat_boxes, flat_scores, c * self.per_class, 0.5, 0.05)
        true_boxes = cand_boxes.reshape(n, c * self.per_class, 4)
        per_class = self.per_class
        return postprocess.gather_padded(sel, true_boxes, flat_scores,
                                         lambda b, c, k: torch.div(k, per_class, rounding_mode="floor") + 1,
                                         self.batch, self.max_total)


def make_model(seed=0):
    torch.manual_seed(seed)
    m = SSDResNet34().eval()
    common.init_convs_he(m.additional)
    common.randomise_bn(m, seed)
    for i, h in enumerate(m.heads):
        common.init_head(h, seed + 100 + i)
    x = torch.randn(BATCH, 3, SIZE, SIZE, generator=torch.Generator().manual_seed(seed + 3))
    common.normalise_convs(m, x, skip=list(m.heads))
    return m


def make_full(seed=0):
    """(full-pipeline module, input name, input shape, output names): for reference_outputs.py."""
    return (SSDResNet34Full(make_model(seed), BATCH).eval(), INPUT, (BATCH, 3, SIZE, SIZE),
            ["detection_boxes", "detection_scores", "detection_classes", "num_detections"])


def build(out, force=False, seed=0, full=True):
    base = os.path.join(out, f"{NAME}_{SIZE}_bs{BATCH}")
    outputs = [f"fused_head_{i}" for i in range(6)]
    x = torch.randn(BATCH, 3, SIZE, SIZE, generator=torch.Generator().manual_seed(seed + 2))

    def make(p):
        common.export(make_model(seed), (x,), p, [INPUT], outputs)

    def make_full(p):
        m = SSDResNet34Full(make_model(seed), BATCH).eval()
        common.export(m, (x,), p, [INPUT], ["detection_boxes", "detection_scores", "detection_classes",
                                            "num_detections"])

    infos = [common.build_one(base + ".onnx", force, make)]
    infos[-1].update(network="SSD-ResNet-34", variant="dla")
    if full:
        infos.append(common.build_one(base + "_full.onnx", force, make_full))
        infos[-1].update(network="SSD-ResNet-34", variant="full")
    return infos


if __name__ == "__main__":
    common.standard_main(build, __doc__, NAME)
