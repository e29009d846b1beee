#!/usr/bin/python3
"""SSD-MobileNetV1 at 300x300, batch 2, as in the TensorFlow Object Detection API (ssd_mobilenet_v1_coco, the model
DLA-SW's prepare_models takes from MLPerf: `ssd_mobilenet_v1_coco_2018_01_28.onnx`).

Architecture (TF OD API `ssd_mobilenet_v1_feature_extractor.py` + `ssd_mobilenet_v1_coco.config`):
- MobileNetV1 (depth multiplier 1.0) conv layers 0-13: Conv2d_0 3x3/2 32, then 13 depthwise-separable blocks
  (3x3 depthwise + 1x1 pointwise, each with batch norm and ReLU6) of depths 64,128,128,256,256,512x6,1024,1024
  with stride 2 at blocks 2, 4, 6 and 12; TensorFlow SAME padding (asymmetric for stride 2: the extra row/column
  at the bottom/right), written as Conv pads.
- Feature maps: Conv2d_11_pointwise (19x19x512), Conv2d_13_pointwise (10x10x1024) and four extra layers
  (1x1 conv to depth/2 then 3x3/2 SAME conv; depths 512, 256, 256, 128; batch norm + ReLU6): 5x5, 3x3, 2x2, 1x1.
- 6 BoxPredictors, 1x1 convs with bias: box encodings (anchors x 4) and class predictions (anchors x 91,
  90 COCO classes + background); 3 anchors per cell on the first map (reduce_boxes_in_lowest_layer), 6 elsewhere
  (1917 anchors in all).
Surgery as in prepare_models: BoxEncodingPredictor and ClassPredictor of each BoxPredictor fused horizontally into
one conv (output channels concatenated: box codes first, then class logits), cut there: 6 outputs
`BoxPredictor_<i>/fused:0` of shape N x (A*4 + A*91) x H x W. Input `Preprocessor/sub:0`, N x 3 x 300 x 300.

Full pipeline (second file, `_full`): the same graph plus the TF OD API post-processing as ONNX ops: TF SSD anchors
(min_scale 0.2, max_scale 0.95, aspect ratios 1, 2, 1/2, 3, 1/3 plus the interpolated scale), Faster R-CNN box
coder with scale factors (10, 10, 5, 5), boxes clipped to the image, sigmoid scores with the background column
dropped, per-class NonMaxSuppression (IoU 0.6, score threshold 1e-8, 100 per class) and the per-image top 100:
detection_boxes [N,100,4] (ymin, xmin, ymax, xmax, normalised), detection_scores [N,100], detection_classes [N,100]
(COCO ids 1..90; -1 = padding), num_detections [N].

    /usr/bin/python3 models/refnets/ssd_mobilenet_v1.py [--out DIR] [--force] [--no-full]
"""
import math
import os
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
import postprocess  # noqa: E402

NAME = "ssd_mobilenet_v1"
BATCH, SIZE, CLASSES = 2, 300, 91
INPUT = "Preprocessor/sub:0"
# MobileNetV1 conv layers 1..13: (depth, stride)
BLOCKS = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), (512, 1), (512, 1), (512, 1), (512, 1),
          (512, 1), (1024, 2), (1024, 1)]
EXTRA_DEPTHS = [512, 256, 256, 128]
ANCHORS_PER_CELL = [3, 6, 6, 6, 6, 6]


def same_pad(size, k, s):
    """TensorFlow SAME padding of one spatial axis: (before, after, output size)."""
    out = -(-size // s)
    total = max((out - 1) * s + k - size, 0)
    return total // 2, total - total // 2, out


def conv_bn_relu6(cin, cout, k, s, size, groups=1):
    """Conv (no bias) + BatchNorm + ReLU6 with TF SAME padding for an input of size x size; returns (module, out)."""
    before, after, out = same_pad(size, k, s)
    layers = []
    if before != after:
        layers.append(common.ZeroPadHW(before, before, after, after))  # becomes the Conv's pads at export
        pad = 0
    else:
        pad = before
    layers += [nn.Conv2d(cin, cout, k, s, pad, groups=groups, bias=False), nn.BatchNorm2d(cout), nn.ReLU6()]
    return nn.Sequential(*layers), out


class SSDMobileNetV1(nn.Module):
    def __init__(self, size=SIZE, classes=CLASSES):
        super().__init__()
        layers, s = [], size
        m, s = conv_bn_relu6(3, 32, 3, 2, s)
        layers.append(m)
        cin = 32
        for depth, stride in BLOCKS:
            dw, s = conv_bn_relu6(cin, cin, 3, stride, s, groups=cin)
            pw, s = conv_bn_relu6(cin, depth, 1, 1, s)
            layers.append(nn.Sequential(dw, pw))
            cin = depth
        self.conv0_11 = nn.Sequential(*layers[:12])      # up to Conv2d_11_pointwise
        self.conv12_13 = nn.Sequential(*layers[12:])     # Conv2d_12, Conv2d_13
        s = -(-size // 16)                               # 19 for 300: the size after Conv2d_13 is s/2
        s = -(-s // 2)
        extras, cin, sizes = [], 1024, [-(-size // 16), s]
        for depth in EXTRA_DEPTHS:
            a, _ = conv_bn_relu6(cin, depth // 2, 1, 1, s)
            b, s = conv_bn_relu6(depth // 2, depth, 3, 2, s)
            extras.append(nn.Sequential(a, b))
            cin = depth
            sizes.append(s)
        self.extras = nn.ModuleList(extras)
        self.sizes = sizes
        self.channels = [512, 1024] + EXTRA_DEPTHS
        self.heads = nn.ModuleList(nn.Conv2d(c, a * 4 + a * classes, 1)
                                   for c, a in zip(self.channels, ANCHORS_PER_CELL))

    def forward(self, x):
        f11 = self.conv0_11(x)
        f = self.conv12_13(f11)
        feats = [f11, f]
        for e in self.extras:
            f = e(f)
            feats.append(f)
        return [h(t) for h, t in zip(self.heads, feats)]


def tf_anchors(sizes):
    """TF OD API ssd_anchor_generator anchors as (ycenter, xcenter, h, w), normalised, in the order
    [level][y][x][box] (the order of the NHWC head output reshaped to [N, H*W*A, 4])."""
    min_s, max_s, n = 0.2, 0.95, len(sizes)
    scales = [min_s + (max_s - min_s) * i / (n - 1) for i in range(n)] + [1.0]
    out = []
    for lvl, fs in enumerate(sizes):
        if lvl == 0:
            specs = [(0.1, 1.0), (scales[0], 2.0), (scales[0], 0.5)]
        else:
            specs = [(scales[lvl], ar) for ar in (1.0, 2.0, 0.5, 3.0, 1.0 / 3)]
            specs.append((math.sqrt(scales[lvl] * scales[lvl + 1]), 1.0))
        for i in range(fs):
            for j in range(fs):
                for sc, ar in specs:
                    r = math.sqrt(ar)
                    out.append(((i + 0.5) / fs, (j + 0.5) / fs, sc / r, sc * r))
    return torch.tensor(out, dtype=torch.float32)


class SSDMobileNetV1Full(nn.Module):
    """Backbone and fused heads + TF OD API post-processing (see the module doc)."""

    def __init__(self, net, batch):
        super().__init__()
        self.net, self.batch = net, batch
        self.register_buffer("anchors", tf_anchors(net.sizes))

    def forward(self, x):
        codes, logits = [], []
        for out, a in zip(self.net(x), ANCHORS_PER_CELL):
            n = out.shape[0]
            # channel a*4+k of the NHWC-style predictor -> [N, H, W, A, 4] -> [N, H*W*A, 4]
            codes.append(out[:, :a * 4].reshape(n, a, 4, -1).permute(0, 3, 1, 2).reshape(n, -1, 4))
            logits.append(out[:, a * 4:].reshape(n, a, CLASSES, -1).permute(0, 3, 1, 2).reshape(n, -1, CLASSES))
        codes = torch.cat(codes, 1)                                      # [N, 1917, 4] (ty, tx, th, tw)
        scores = torch.sigmoid(torch.cat(logits, 1))[:, :, 1:]          # [N, 1917, 90], background dropped
        boxes = postprocess.decode_center_size(codes, self.anchors, 10.0, 5.0)   # (ymin, xmin, ymax, xmax)
        boxes = torch.clamp(boxes, 0.0, 1.0)  # TF's clip_window: the image, before NMS
        scores_cb = scores.permute(0, 2, 1).contiguous()                 # [N, 90, 1917]
        sel = postprocess.nms(boxes, scores_cb, 100, 0.6, 1e-8)
        return postprocess.gather_padded(sel, boxes, scores_cb, lambda b, c, k: c + 1, self.batch, 100)


def make_model(seed=0):
    torch.manual_seed(seed)
    m = SSDMobileNetV1().eval()
    common.init_convs_he(m)
    common.randomise_bn(m, seed)
    for i, h in enumerate(m.heads):
        common.init_head(h, seed + 100 + i)
    x = torch.randn(BATCH, 3, SIZE, SIZE, generator=torch.Generator().manual_seed(seed + 3))
    common.normalise_convs(m, x, skip=list(m.heads))
    return m


def make_full(seed=0):
    """(full-pipeline module, input name, input shape, output names): for reference_outputs.py."""
    return (SSDMobileNetV1Full(make_model(seed), BATCH).eval(), INPUT, (BATCH, 3, SIZE, SIZE),
            ["detection_boxes", "detection_scores", "detection_classes", "num_detections"])


def build(out, force=False, seed=0, full=True):
    base = os.path.join(out, f"{NAME}_{SIZE}_bs{BATCH}")
    outputs = [f"BoxPredictor_{i}/fused:0" for i in range(6)]
    x = torch.randn(BATCH, 3, SIZE, SIZE, generator=torch.Generator().manual_seed(seed + 2)).clamp(-1, 1)

    def make(p):
        common.export(make_model(seed), (x,), p, [INPUT], outputs)

    def make_full(p):
        m = SSDMobileNetV1Full(make_model(seed), BATCH).eval()
        common.export(m, (x,), p, [INPUT], ["detection_boxes", "detection_scores", "detection_classes",
                                            "num_detections"])

    infos = [common.build_one(base + ".onnx", force, make)]
    infos[-1].update(network="SSD-MobileNetV1", variant="dla")
    if full:
        infos.append(common.build_one(base + "_full.onnx", force, make_full))
        infos[-1].update(network="SSD-MobileNetV1", variant="full")
    return infos


if __name__ == "__main__":
    common.standard_main(build, __doc__, NAME)
