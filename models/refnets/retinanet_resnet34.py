#!/usr/bin/python3
"""RetinaNet ResNet-34 FPN at 1280x768, batch 1: the network of DLA-SW's sparsity case study (Waymo 2D detection;
prepare_models takes `retinanet_rn34_1280x768_dummy.onnx` from zenodo 8144349 and uses it whole, no surgery).

"1280x768" is width x height (DLA-SW names sizes W x H; the Waymo camera images are landscape), so the input is
1 x 3 x 768 x 1280 (both sides multiples of 128, so P3..P7 are 96x160 .. 6x10). The published file is not
available here; we build torchvision's RetinaNet layout (see retinanet.py) on a ResNet-34 body
(resnet_fpn_backbone('resnet34'), C3-C5 = 128/256/512 channels), with 3 classes (Waymo's 2D camera labels:
vehicle, pedestrian, cyclist) and 9 anchors per cell. The class count is our assumption: it only changes the last
classification conv (9 x K channels). Output: the 10 head tensors (`cls_logits_p3..p7`, `bbox_regression_p3..p7`);
the `_full` file adds the post-processing of retinanet.py.

    /usr/bin/python3 models/refnets/retinanet_resnet34.py [--out DIR] [--force] [--no-full]
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
import retinanet  # noqa: E402

NAME = "retinanet_resnet34"
BATCH, WIDTH, HEIGHT, CLASSES = 1, 1280, 768, 3


def make_full(seed=0):
    """(full-pipeline module, input name, input shape, output names): for reference_outputs.py."""
    shape = (BATCH, 3, HEIGHT, WIDTH)
    m = retinanet.RetinaNetFull(retinanet.make_heads_model("resnet34", CLASSES, shape, seed), shape).eval()
    return m, "input", shape, ["detection_boxes", "detection_scores", "detection_classes", "num_detections"]


def build(out, force=False, seed=0, full=True):
    return retinanet.build_files(out, f"{NAME}_{WIDTH}x{HEIGHT}_bs{BATCH}", "RetinaNet ResNet-34 FPN", "resnet34",
                                 CLASSES, (BATCH, 3, HEIGHT, WIDTH), "input", force, seed, full)


if __name__ == "__main__":
    common.standard_main(build, __doc__, NAME)
