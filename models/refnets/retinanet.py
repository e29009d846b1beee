"""RetinaNet building blocks shared by retinanet_resnext50.py, retinanet_resnet34.py and resnet34_backbone.py.

The network is torchvision's RetinaNet (the MLPerf reference model is a copy of it): resnet_fpn_backbone with
returned_layers [2, 3, 4] (C3-C5), an FPN of 256 channels with P6/P7 from P5 (LastLevelP6P7(256, 256)),
9 anchors per cell (3 scales x 3 aspect ratios) and RetinaNetHead (4 x [3x3 conv 256 + ReLU] per tower, then
cls_logits A*K and bbox_regression A*4). Batch norm is plain BatchNorm2d (folded into the convs at export; the
published files have FrozenBatchNorm as Mul/Add after each conv, which prepare_models folds the same way).

The exported "dla" graph runs backbone + FPN + heads only and outputs the 10 head tensors (cls and box per level,
N x A*K x H x W and N x A*4 x H x W), as prepare_models keeps them. The FPN's top-down upsampling is written as
nearest Resize with constant scales 2 (prepare_models turns the published file's `sizes` Resize into `scales`).

The "full" graph adds torchvision's RetinaNet post-processing as ONNX ops: per level the top 1000 (class, anchor)
candidates (TopK on the logits, taken in the head's own channel layout) and their sigmoid, box decoding (BoxCoder weights 1, dw/dh clamped at log(1000/16)) against
constant anchors, clipping to the image, NonMaxSuppression (IoU 0.5, score threshold 0.05; classes kept apart by
offsetting their boxes, torchvision's batched_nms trick) and the top 300: detection_boxes [N,300,4] (x1, y1, x2,
y2 in pixels), detection_scores [N,300], detection_classes [N,300] (0-based; -1 = padding), num_detections [N].
"""
import math
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
from torchvision.models.detection.anchor_utils import AnchorGenerator
from torchvision.models.detection.backbone_utils import resnet_fpn_backbone
from torchvision.models.detection.image_list import ImageList
from torchvision.models.detection.retinanet import RetinaNetHead
from torchvision.ops.feature_pyramid_network import LastLevelP6P7

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
import postprocess  # noqa: E402

NUM_ANCHORS = 9


class RetinaNetHeads(nn.Module):
    """Backbone + FPN + heads, returning [cls_P3..cls_P7, box_P3..box_P7] (the prepare_models cut)."""

    def __init__(self, backbone_name, num_classes):
        super().__init__()
        self.backbone = resnet_fpn_backbone(backbone_name=backbone_name, weights=None, norm_layer=nn.BatchNorm2d,
                                            trainable_layers=5, returned_layers=[2, 3, 4],
                                            extra_blocks=LastLevelP6P7(256, 256))
        self.head = RetinaNetHead(256, NUM_ANCHORS, num_classes)
        self.num_classes = num_classes

    def features(self, x):
        xs = list(self.backbone.body(x).values())
        fpn = self.backbone.fpn
        last = fpn.get_result_from_inner_blocks(xs[-1], -1)
        results = [fpn.get_result_from_layer_blocks(last, -1)]
        for idx in range(len(xs) - 2, -1, -1):
            lateral = fpn.get_result_from_inner_blocks(xs[idx], idx)
            assert lateral.shape[-2:] == tuple(2 * s for s in last.shape[-2:]), "input size must be a multiple of 32"
            last = lateral + F.interpolate(last, scale_factor=2.0, mode="nearest")
            results.insert(0, fpn.get_result_from_layer_blocks(last, idx))
        results, _ = fpn.extra_blocks(results, xs, [str(i) for i in range(len(results))])
        return results

    def forward(self, x):
        feats = self.features(x)
        ch, rh = self.head.classification_head, self.head.regression_head
        cls = [ch.cls_logits(ch.conv(f)) for f in feats]
        box = [rh.bbox_reg(rh.conv(f)) for f in feats]
        return cls + box

    def predictors(self):
        return [self.head.classification_head.cls_logits, self.head.regression_head.bbox_reg]


def make_heads_model(backbone_name, num_classes, calib_shape, seed=0):
    torch.manual_seed(seed)
    m = RetinaNetHeads(backbone_name, num_classes).eval()
    common.randomise_bn(m, seed)
    x = torch.randn(*calib_shape, generator=torch.Generator().manual_seed(seed + 3))
    common.normalise_convs(m, x, skip=m.predictors())
    return m


def anchors_for(model, shape):
    """torchvision's RetinaNet anchors (x1, y1, x2, y2) for an input of `shape`, per level."""
    sizes = tuple((s, int(s * 2 ** (1.0 / 3)), int(s * 2 ** (2.0 / 3))) for s in (32, 64, 128, 256, 512))
    gen = AnchorGenerator(sizes, ((0.5, 1.0, 2.0),) * len(sizes))
    with torch.no_grad():
        feats = model.features(torch.zeros(1, *shape[1:]))
    img = ImageList(torch.zeros(1, *shape[1:]), [tuple(shape[2:])])
    anchors = gen(img, feats)[0]
    counts = [f.shape[2] * f.shape[3] * NUM_ANCHORS for f in feats]
    return list(torch.split(anchors, counts))


class RetinaNetFull(nn.Module):
    def __init__(self, heads, shape, topk=1000, max_total=300, iou=0.5, score_thresh=0.05):
        super().__init__()
        self.heads, self.batch = heads, shape[0]
        self.height, self.width = shape[2], shape[3]
        self.topk, self.max_total, self.iou, self.score_thresh = topk, max_total, iou, score_thresh
        for i, a in enumerate(anchors_for(heads, shape)):
            xyxy = a
            cxcywh = torch.stack([(xyxy[:, 0] + xyxy[:, 2]) / 2, (xyxy[:, 1] + xyxy[:, 3]) / 2,
                                  xyxy[:, 2] - xyxy[:, 0], xyxy[:, 3] - xyxy[:, 1]], 1)
            self.register_buffer(f"anchors{i}", cxcywh)

    def forward(self, x):
        outs = self.heads(x)
        levels = len(outs) // 2
        k_cls = self.heads.num_classes
        boxes_all, scores_all, labels_all = [], [], []
        for lvl in range(levels):
            cls, reg = outs[lvl], outs[levels + lvl]
            n, hw = cls.shape[0], cls.shape[2] * cls.shape[3]
            # TopK straight on the head's own layout [N, (a*K + k)*HW + pos] (no transpose of the big class map),
            # and the sigmoid only on the winners (it is monotonic): the same candidates as torchvision's
            # sigmoid -> [N, HWA*K] -> topk, up to the order of exact ties
            k = min(self.topk, cls.shape[1] * hw)
            top_logits, idx = torch.topk(cls.reshape(n, -1), k, dim=1)                 # [N, k]
            scores = torch.sigmoid(top_logits)
            pos = torch.remainder(idx, hw)
            ak = torch.div(idx, hw, rounding_mode="floor")
            a = torch.div(ak, k_cls, rounding_mode="floor")
            labels = ak - a * k_cls
            anchor_idx = pos * NUM_ANCHORS + a                                          # torchvision's anchor order
            coord = torch.arange(4, dtype=torch.int64).reshape(1, 1, 4)
            code_idx = (a.unsqueeze(2) * 4 + coord) * hw + pos.unsqueeze(2)            # [N, k, 4] into [N, A*4*HW]
            codes = torch.gather(reg.reshape(n, -1), 1, code_idx.reshape(n, -1)).reshape(n, k, 4)
            anchors = getattr(self, f"anchors{lvl}").index_select(0, anchor_idx.reshape(-1)).reshape(n, k, 4)
            boxes = postprocess.decode_center_size(codes, anchors, 1.0, 1.0, clamp=math.log(1000.0 / 16))
            lo = torch.zeros(4)
            hi = torch.tensor([self.width, self.height, self.width, self.height], dtype=torch.float32)
            boxes = torch.minimum(torch.maximum(boxes, lo), hi)
            boxes_all.append(boxes)
            scores_all.append(scores)
            labels_all.append(labels)
        boxes = torch.cat(boxes_all, 1)                       # [N, M, 4]
        scores = torch.cat(scores_all, 1)                     # [N, M]
        labels = torch.cat(labels_all, 1)                     # [N, M]
        n, m = scores.shape
        offset = (labels.to(torch.float32) * float(max(self.width, self.height) + 1)).unsqueeze(2)
        sel = postprocess.nms(boxes + offset, scores.unsqueeze(1), m, self.iou, self.score_thresh)
        flat_labels = labels.reshape(-1)
        return postprocess.gather_padded(sel, boxes, scores.unsqueeze(1),
                                         lambda b, c, k: flat_labels.index_select(0, b * m + k),
                                         self.batch, self.max_total)


def build_files(out, name, network, backbone_name, num_classes, shape, input_name, force, seed, full):
    """Writes NAME.onnx (heads cut) and, with full, NAME_full.onnx; returns their build_one() infos."""
    base = os.path.join(out, name)
    x = torch.randn(*shape, generator=torch.Generator().manual_seed(seed + 2))
    outputs = [f"cls_logits_p{i}" for i in range(3, 8)] + [f"bbox_regression_p{i}" for i in range(3, 8)]

    def make(p):
        common.export(make_heads_model(backbone_name, num_classes, shape, seed), (x,), p, [input_name], outputs)

    def make_full(p):
        m = RetinaNetFull(make_heads_model(backbone_name, num_classes, shape, seed), shape).eval()
        common.export(m, (x,), p, [input_name], ["detection_boxes", "detection_scores", "detection_classes",
                                                 "num_detections"])

    infos = [common.build_one(base + ".onnx", force, make)]
    infos[-1].update(network=network, variant="dla")
    if full:
        infos.append(common.build_one(base + "_full.onnx", force, make_full))
        infos[-1].update(network=network, variant="full")
    return infos
