#!/usr/bin/python3
"""RetinaNet ResNeXt-50 32x4d FPN at 800x800, batch 1, 264 classes: the MLPerf inference RetinaNet (OpenImages
MLPerf subset; the model DLA-SW's prepare_models takes from zenodo 6617879, `resnext50_32x4d_fpn.onnx`).

torchvision's RetinaNet with resnet_fpn_backbone('resnext50_32x4d', returned_layers [2, 3, 4], LastLevelP6P7(256,
256)) and RetinaNetHead(256, 9 anchors, 264 classes), as in the MLPerf reference; see retinanet.py for the details,
the cut (10 head outputs `cls_logits_p3..p7`, `bbox_regression_p3..p7`) and the full pipeline (`_full`).
Input `input`, 1 x 3 x 800 x 800.

    /usr/bin/python3 models/refnets/retinanet_resnext50.py [--out DIR] [--force] [--no-full]
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
import retinanet  # noqa: E402

NAME = "retinanet_resnext50"
BATCH, SIZE, CLASSES = 1, 800, 264


def make_full(seed=0):
    """(full-pipeline module, input name, input shape, output names): for reference_outputs.py."""
    shape = (BATCH, 3, SIZE, SIZE)
    m = retinanet.RetinaNetFull(retinanet.make_heads_model("resnext50_32x4d", CLASSES, shape, seed), shape).eval()
    return m, "input", shape, ["detection_boxes", "detection_scores", "detection_classes", "num_detections"]


def build(out, force=False, seed=0, full=True):
    return retinanet.build_files(out, f"{NAME}_{SIZE}_bs{BATCH}", "RetinaNet ResNeXt-50 32x4d FPN", "resnext50_32x4d",
                                 CLASSES, (BATCH, 3, SIZE, SIZE), "input", force, seed, full)


if __name__ == "__main__":
    common.standard_main(build, __doc__, NAME)
