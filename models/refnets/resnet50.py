#!/usr/bin/python3
"""ResNet-50 v1.5 at 224x224, batch 2, cut at the logits as DLA-SW's prepare_models does.

Architecture: torchvision's resnet50 (He et al. 2016 with the v1.5 change: the stride-2 sits on the 3x3 conv of
each bottleneck, as in the MLPerf / TensorFlow official model `resnet50_v1.onnx`), 1001 classes like the MLPerf
TensorFlow model (class 0 = background). Surgery as in prepare_models: the head's ReduceMean becomes an
AveragePool 7x7 and Squeeze+MatMul+BiasAdd becomes a 1x1 Conv; ArgMax/Top-K/softmax are dropped, so the output is
the logits as an N x 1001 x 1 x 1 tensor. Names follow the MLPerf file: input `input_tensor:0`, output
`resnet_model/dense/BiasAdd:0`.

    /usr/bin/python3 models/refnets/resnet50.py [--out DIR] [--force]
"""
import os
import sys

import torch
import torchvision

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

NAME = "resnet50_v15"
BATCH, SIZE, CLASSES = 2, 224, 1001
INPUT, OUTPUT = "input_tensor:0", "resnet_model/dense/BiasAdd:0"


class ResNet50Logits(torch.nn.Module):
    """torchvision resnet50 body + AveragePool 7x7 + 1x1 Conv classifier (the prepare_models head)."""

    def __init__(self, classes):
        super().__init__()
        r = torchvision.models.resnet50(weights=None, num_classes=classes)
        self.body = torch.nn.Sequential(r.conv1, r.bn1, r.relu, r.maxpool, r.layer1, r.layer2, r.layer3, r.layer4)
        self.pool = torch.nn.AvgPool2d(7)
        self.fc = torch.nn.Conv2d(2048, classes, 1)
        with torch.no_grad():  # the FC as a 1x1 conv: same weights, W reshaped
            self.fc.weight.copy_(r.fc.weight.reshape(classes, 2048, 1, 1))
            self.fc.bias.copy_(r.fc.bias)

    def forward(self, x):
        return self.fc(self.pool(self.body(x)))


def make_model(seed=0):
    torch.manual_seed(seed)
    m = ResNet50Logits(CLASSES).eval()
    common.randomise_bn(m, seed)
    common.normalise_convs(m, torch.randn(BATCH, 3, SIZE, SIZE, generator=torch.Generator().manual_seed(seed + 3)),
                           skip=[m.fc])
    return m


def build(out, force=False, seed=0, full=True):
    del full  # the full pipeline of a classifier is only Top-K on the host: no second file
    path = os.path.join(out, f"{NAME}_{SIZE}_bs{BATCH}.onnx")

    def make(p):
        m = make_model(seed)
        x = torch.randn(BATCH, 3, SIZE, SIZE, generator=torch.Generator().manual_seed(seed + 2))
        common.export(m, (x,), p, [INPUT], [OUTPUT])

    info = common.build_one(path, force, make)
    info.update(network="ResNet-50 v1.5", variant="dla")
    return [info]


if __name__ == "__main__":
    common.standard_main(build, __doc__, NAME)
