"""Detection post-processing written in torch ops that export to plain ONNX (opset 13): box decoding against
constant anchors, sigmoid/softmax scores, TopK, NonMaxSuppression and Gather of the final boxes.

The outputs are fixed-size and padded, like the TensorFlow Object Detection API's exported graphs:
    detection_boxes [N, D, 4], detection_scores [N, D] (0 for padding), detection_classes [N, D] (int64; -1 for
    padding), num_detections [N] (int64)
so a consumer never has to deal with a data-dependent output shape (inside the graph, NonMaxSuppression's output
is data-dependent and the executor must handle that).
"""
import torch
import torchvision  # imported before any tracing (its import calls a torch op)


class OnnxNMS(torch.autograd.Function):
    """ONNX NonMaxSuppression (center_point_box=0): boxes [N, B, 4] (two opposite corners, any order),
    scores [N, C, B] -> selected [S, 3] int64 rows (batch, class, box), per batch and class in descending score
    order. forward() is a torch reference used while tracing; the export writes the ONNX op."""

    @staticmethod
    def forward(ctx, boxes, scores, max_per_class, iou, score_thr):
        rows = []
        m = int(max_per_class)
        for n in range(scores.shape[0]):
            b = boxes[n]
            xyxy = torch.stack([torch.minimum(b[:, 1], b[:, 3]), torch.minimum(b[:, 0], b[:, 2]),
                                torch.maximum(b[:, 1], b[:, 3]), torch.maximum(b[:, 0], b[:, 2])], 1)
            for c in range(scores.shape[1]):
                s = scores[n, c]
                idx = torch.nonzero(s > float(score_thr)).reshape(-1)
                keep = idx[torchvision.ops.nms(xyxy[idx], s[idx], float(iou))][:m]
                rows.append(torch.stack([torch.full_like(keep, n), torch.full_like(keep, c), keep], 1))
        return torch.cat(rows, 0) if rows else torch.zeros(0, 3, dtype=torch.int64)

    @staticmethod
    def symbolic(g, boxes, scores, max_per_class, iou, score_thr):
        return g.op("NonMaxSuppression", boxes, scores, max_per_class, iou, score_thr, center_point_box_i=0)


def nms(boxes, scores, max_per_class, iou, score_thr):
    return OnnxNMS.apply(boxes, scores, torch.tensor([max_per_class], dtype=torch.int64),
                         torch.tensor([iou], dtype=torch.float32), torch.tensor([score_thr], dtype=torch.float32))


def gather_padded(selected, boxes, scores, labels_of, n_batch, max_total):
    """Per-image top-`max_total` of NMS's selection, padded to a fixed size.

    selected [S, 3] (batch, class-row, box) from nms(); boxes [N, B, 4]; scores [N, C, B];
    labels_of(batch, class_row, box) -> the label to report (int64 [S]).
    Returns (boxes [N, D, 4], scores [N, D], classes [N, D] int64,
    num [N] int64) with D = max_total."""
    n_b, n_c, n_box = scores.shape
    b, c, k = selected[:, 0], selected[:, 1], selected[:, 2]
    sel_scores = torch.gather(scores.reshape(-1), 0, (b * n_c + c) * n_box + k)          # [S]
    sel_boxes = boxes.reshape(-1, 4).index_select(0, b * n_box + k)                      # [S, 4]
    sel_labels = labels_of(b, c, k)                                                           # [S]
    # one row per image: the selection's scores where it belongs to the image, -1 elsewhere; max_total padding
    # columns (-1) so that TopK's k is a constant
    mine = b.unsqueeze(0) == torch.arange(n_batch, dtype=torch.int64).unsqueeze(1)       # [N, S]
    table = torch.where(mine, sel_scores.unsqueeze(0), torch.full_like(sel_scores, -1.0).unsqueeze(0))
    table = torch.cat([table, torch.full((n_batch, max_total), -1.0)], 1)                 # [N, S + D]
    top, idx = torch.topk(table, max_total, dim=1)                                        # [N, D]
    valid = top >= 0
    all_boxes = torch.cat([sel_boxes, torch.zeros(max_total, 4)], 0)
    all_labels = torch.cat([sel_labels, torch.full((max_total,), -1, dtype=torch.int64)], 0)
    out_boxes = all_boxes.index_select(0, idx.reshape(-1)).reshape(n_batch, max_total, 4)
    out_labels = all_labels.index_select(0, idx.reshape(-1)).reshape(n_batch, max_total)
    out_scores = torch.where(valid, top, torch.zeros_like(top))
    out_boxes = torch.where(valid.unsqueeze(2), out_boxes, torch.zeros_like(out_boxes))
    out_labels = torch.where(valid, out_labels, torch.full_like(out_labels, -1))
    return out_boxes, out_scores, out_labels, valid.to(torch.int64).sum(1)


def decode_center_size(codes, anchors, scale_center, scale_size, clamp=None):
    """Center-size box coder (Faster R-CNN / SSD): codes [..., 4] = (dc0, dc1, ds0, ds1) relative to anchors
    [..., 4] given as (c0, c1, s0, s1); c0/c1 are the centers, s0/s1 the sizes along the same two axes.
    Returns corners (c0 - s0/2, c1 - s1/2, c0 + s0/2, c1 + s1/2)."""
    ctr = codes[..., 0:2] / scale_center * anchors[..., 2:4] + anchors[..., 0:2]
    ds = codes[..., 2:4] / scale_size
    if clamp is not None:
        ds = torch.clamp(ds, max=clamp)
    size = torch.exp(ds) * anchors[..., 2:4]
    return torch.cat([ctr - 0.5 * size, ctr + 0.5 * size], -1)
