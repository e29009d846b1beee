"""The small SSD-style detector of models/detect: backbone, fused heads, anchors, box coder and the post-processing
(decoding, softmax, per-class NonMaxSuppression, TopK, Gather) written in torch ops that export to plain ONNX
opset 13 with static shapes (batch 1). Used by train.py (training, evaluation, export) and eval_onnx.py.

Input: x = pixel / 255, float32 [1, 3, 96, 96] (RGB, NCHW).
Head outputs (the DLA part), one fused 3x3 conv per level, [1, A * (4 + C + 1), H, W], channel layout
    [0, 4A)          loc: anchor a, code j (dx, dy, dw, dh) at channel a * 4 + j
    [4A, 4A + A(C+1)) conf: anchor a, class c at channel 4A + a * (C + 1) + c; c = 0 is background, c = k + 1 is
                      dataset class k
Anchors: for level l (stride s, grid G = 96 / s) the anchor (y, x, a) has centre ((x + 0.5) s, (y + 0.5) s) and a
square side SIZES[l][a]; flattened order is (level, y, x, a). Box codes (SSD, variances 0.1 / 0.2):
    cx = dx * 0.1 * w_a + cx_a,  cy = dy * 0.1 * h_a + cy_a,  w = exp(dw * 0.2) * w_a,  h = exp(dh * 0.2) * h_a
"""
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision  # noqa: F401  (imported before tracing: torchvision.ops.nms is the NMS reference)

IMG = 96
NUM_CLASSES = 5                 # foreground classes; the conf head has NUM_CLASSES + 1 (background first)
STRIDES = (8, 16, 32)
SIZES = ((12.0, 16.0, 21.0), (24.0, 30.0, 37.0), (44.0, 52.0, 64.0))
A = 3                           # anchors per location
VAR_C, VAR_S = 0.1, 0.2
HEAD_NAMES = ["head_s8", "head_s16", "head_s32"]

# post-processing (also the mAP evaluation's settings)
SCORE_THR = 0.05
IOU_THR = 0.5
MAX_DET = 20                    # boxes kept per image (and per class in NMS)


def conv_bn(cin, cout, stride=1):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class Detector(nn.Module):
    """96x96: 3x3 conv stages (Conv+BN+ReLU), strides 2-4 (16 -> 32 ch), 8 (48 ch), 16 (64 ch), 32 (96 ch); levels
    at strides 8 (12x12), 16 (6x6), 32 (3x3), each with one fused loc+conf 3x3 conv head (A * (4 + C + 1) ch)."""

    def __init__(self, widths=(16, 32, 48, 64, 96)):
        super().__init__()
        w0, w1, w2, w3, w4 = widths
        self.stage1 = nn.Sequential(conv_bn(3, w0, 2), conv_bn(w0, w1, 2))                       # 24x24
        self.stage2 = nn.Sequential(conv_bn(w1, w2, 2), conv_bn(w2, w2))                         # 12x12, s8
        self.stage3 = nn.Sequential(conv_bn(w2, w3, 2), conv_bn(w3, w3))                         # 6x6, s16
        self.stage4 = nn.Sequential(conv_bn(w3, w4, 2), conv_bn(w4, w4))                         # 3x3, s32
        out = A * (4 + NUM_CLASSES + 1)
        self.heads = nn.ModuleList([nn.Conv2d(c, out, 3, 1, 1) for c in (w2, w3, w4)])
        for h in self.heads:
            nn.init.normal_(h.weight, std=0.01)
            nn.init.zeros_(h.bias)

    def forward(self, x):
        f1 = self.stage2(self.stage1(x))
        f2 = self.stage3(f1)
        f3 = self.stage4(f2)
        return [h(f) for h, f in zip(self.heads, (f1, f2, f3))]


def anchors():
    """[N_anchors, 4] (cx, cy, w, h) in pixels, order (level, y, x, a)."""
    out = []
    for s, sizes in zip(STRIDES, SIZES):
        g = IMG // s
        c = (torch.arange(g, dtype=torch.float32) + 0.5) * s
        cy, cx = torch.meshgrid(c, c, indexing="ij")
        for_loc = []
        for a in range(A):
            sz = torch.full_like(cx, sizes[a])
            for_loc.append(torch.stack([cx, cy, sz, sz], -1))   # [g, g, 4]
        out.append(torch.stack(for_loc, 2).reshape(-1, 4))       # [g * g * A, 4]
    return torch.cat(out, 0)


def flatten_heads(heads):
    """Per-level head maps -> loc [N, n_anchors, 4], conf [N, n_anchors, C + 1]."""
    locs, confs = [], []
    for h in heads:
        n, _, gh, gw = h.shape
        t = h.permute(0, 2, 3, 1)                                          # [N, H, W, A * (5 + C)]
        locs.append(t[..., :4 * A].reshape(n, gh * gw * A, 4))
        confs.append(t[..., 4 * A:].reshape(n, gh * gw * A, NUM_CLASSES + 1))
    return torch.cat(locs, 1), torch.cat(confs, 1)


def encode(gt_xyxy, anc):
    """gt boxes [.., 4] (x1, y1, x2, y2) matched to anchors [.., 4] (cx, cy, w, h) -> codes [.., 4]."""
    w = (gt_xyxy[..., 2] - gt_xyxy[..., 0]).clamp(min=1e-3)
    h = (gt_xyxy[..., 3] - gt_xyxy[..., 1]).clamp(min=1e-3)
    cx = (gt_xyxy[..., 0] + gt_xyxy[..., 2]) / 2
    cy = (gt_xyxy[..., 1] + gt_xyxy[..., 3]) / 2
    return torch.stack([(cx - anc[..., 0]) / anc[..., 2] / VAR_C, (cy - anc[..., 1]) / anc[..., 3] / VAR_C,
                        torch.log(w / anc[..., 2]) / VAR_S, torch.log(h / anc[..., 3]) / VAR_S], -1)


def decode(loc, anc):
    """codes [.., 4] -> boxes [.., 4] (x1, y1, x2, y2) in pixels, clipped to the image."""
    ctr = loc[..., 0:2] * VAR_C * anc[..., 2:4] + anc[..., 0:2]
    size = torch.exp(loc[..., 2:4] * VAR_S) * anc[..., 2:4]
    return torch.clamp(torch.cat([ctr - 0.5 * size, ctr + 0.5 * size], -1), 0.0, float(IMG))


class OnnxNMS(torch.autograd.Function):
    """ONNX NonMaxSuppression (center_point_box = 0) for batch 1: boxes [1, B, 4] (x1, y1, x2, y2), scores
    [1, C, B] -> selected [S, 3] int64 (batch, class, box), class by class, each in descending score order,
    boxes with score > score_thr only, a box suppressed when its IoU with a kept one is > iou. forward() is the
    torch reference (torchvision's nms has the same rules); the export writes the ONNX op."""

    @staticmethod
    def forward(ctx, boxes, scores, max_per_class, iou, score_thr):
        rows = []
        for c in range(scores.shape[1]):
            s = scores[0, c]
            idx = torch.nonzero(s > float(score_thr)).reshape(-1)
            keep = idx[torchvision.ops.nms(boxes[0][idx], s[idx], float(iou))][:int(max_per_class)]
            rows.append(torch.stack([torch.zeros_like(keep), torch.full_like(keep, c), keep], 1))
        return torch.cat(rows, 0)

    @staticmethod
    def symbolic(g, boxes, scores, max_per_class, iou, score_thr):
        return g.op("NonMaxSuppression", boxes, scores, max_per_class, iou, score_thr, center_point_box_i=0)


def postprocess(heads, anc):
    """Batch-1 head maps -> (boxes [K, 4] float, scores [K] float, labels [K] int64, num [1] int64,
    selected [S, 3] int64) with K = MAX_DET: the K best of the per-class NMS selection, by score; rows past
    num are padding (boxes 0, score 0, label -1)."""
    loc, conf = flatten_heads(heads)                                       # [1, B, 4], [1, B, C + 1]
    boxes = decode(loc, anc.unsqueeze(0))                                  # [1, B, 4]
    probs = torch.softmax(conf, -1)[..., 1:]                               # [1, B, C]
    scores = probs.permute(0, 2, 1)                                        # [1, C, B]
    n_box = scores.shape[2]
    selected = OnnxNMS.apply(boxes, scores, torch.tensor([MAX_DET], dtype=torch.int64),
                             torch.tensor([IOU_THR], dtype=torch.float32),
                             torch.tensor([SCORE_THR], dtype=torch.float32))
    cls, box = selected[:, 1], selected[:, 2]
    sel_scores = torch.gather(scores.reshape(-1), 0, cls * n_box + box)                       # [S]
    sel_boxes = boxes[0].index_select(0, box)                                                  # [S, 4]
    pad_scores = torch.cat([sel_scores, torch.full((MAX_DET,), -1.0)], 0)                     # [S + K]
    top, idx = torch.topk(pad_scores, MAX_DET)                                                 # [K]
    valid = top >= 0
    all_boxes = torch.cat([sel_boxes, torch.zeros(MAX_DET, 4)], 0).index_select(0, idx)
    all_labels = torch.cat([cls, torch.full((MAX_DET,), -1, dtype=torch.int64)], 0).index_select(0, idx)
    out_boxes = torch.where(valid.unsqueeze(1), all_boxes, torch.zeros_like(all_boxes))
    out_scores = torch.where(valid, top, torch.zeros_like(top))
    out_labels = torch.where(valid, all_labels, torch.full_like(all_labels, -1))
    num = valid.to(torch.int64).sum(0, keepdim=True)
    return out_boxes, out_scores, out_labels, num, selected


class FullPipeline(nn.Module):
    """image [1, 3, 96, 96] -> boxes [K, 4], scores [K], labels [K], num_detections [1], selected_indices [S, 3]."""

    def __init__(self, det):
        super().__init__()
        self.det = det
        self.register_buffer("anc", anchors())

    def forward(self, x):
        return postprocess(self.det(x), self.anc)


FULL_OUTPUTS = ["boxes", "scores", "labels", "num_detections", "selected_indices"]
