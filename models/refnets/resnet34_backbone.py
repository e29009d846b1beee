#!/usr/bin/python3
"""The ResNet-34 backbone of retinanet_resnet34.py at 1280x768 (W x H; input 1 x 3 x 768 x 1280), batch 1: DLA-SW's
`backbone_rn34_1280x768_dummy.onnx` (zenodo 8144349), used whole.

ResNet-34 (torchvision) conv1 .. layer4, exactly the body that retinanet_resnet34.py's FPN consumes (same seed, so
the same weights), with the three feature maps the FPN reads as outputs: `c3` (1 x 128 x 96 x 160), `c4`
(1 x 256 x 48 x 80), `c5` (1 x 512 x 24 x 40). No FPN, heads or pooling (the published file's exact outputs are not
known here: we take the backbone to end where the FPN begins).

    /usr/bin/python3 models/refnets/resnet34_backbone.py [--out DIR] [--force]
"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
import retinanet  # noqa: E402
import retinanet_resnet34 as rn34  # noqa: E402

NAME = "resnet34_backbone"


class Body(torch.nn.Module):
    def __init__(self, heads):
        super().__init__()
        self.body = heads.backbone.body

    def forward(self, x):
        return list(self.body(x).values())


def build(out, force=False, seed=0, full=True):
    del full
    shape = (rn34.BATCH, 3, rn34.HEIGHT, rn34.WIDTH)
    path = os.path.join(out, f"{NAME}_{rn34.WIDTH}x{rn34.HEIGHT}_bs{rn34.BATCH}.onnx")
    x = torch.randn(*shape, generator=torch.Generator().manual_seed(seed + 2))

    def make(p):
        m = Body(retinanet.make_heads_model("resnet34", rn34.CLASSES, shape, seed)).eval()
        common.export(m, (x,), p, ["input"], ["c3", "c4", "c5"])

    info = common.build_one(path, force, make)
    info.update(network="ResNet-34 backbone", variant="dla")
    return [info]


if __name__ == "__main__":
    common.standard_main(build, __doc__, NAME)
