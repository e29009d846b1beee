"""Exports small torch modules that exercise the shape/data-movement family (interpolate in every mode, flips,
pixel (un)shuffle, pads, rolls, dynamic reshapes, gather/scatter, one-hot, tile, arange) to ONNX at opsets 11,
13 and 16, with torch's own outputs: OUT/<case>_<opset>.onnx, OUT/<case>_in.npy, OUT/<case>_out.npy.
Usage: shape_torch.py OUT"""
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F


def case(k, x):
    if k == "bilinear":
        return F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
    if k == "bilinear_ac":
        return F.interpolate(x, size=(13, 7), mode="bilinear", align_corners=True)
    if k == "bicubic":
        return F.interpolate(x, scale_factor=1.5, mode="bicubic", align_corners=False)
    if k == "nearest":
        return F.interpolate(x, scale_factor=3, mode="nearest")
    if k == "nearest_size":
        return F.interpolate(x, size=(5, 11), mode="nearest")
    if k == "trilinear":
        return F.interpolate(x.unsqueeze(2).repeat(1, 1, 3, 1, 1), scale_factor=(2, 2, 2), mode="trilinear")
    if k == "flip":
        return torch.flip(x, [2, 3]) + x[:, :, ::2, 1::3].sum()
    if k == "pixel_shuffle":
        return F.pixel_shuffle(x[:, :8], 2)
    if k == "pixel_unshuffle":
        return F.pixel_unshuffle(x[..., :8], 2)
    if k == "roll":
        return torch.roll(x, shifts=(1, -2), dims=(2, 3))
    if k == "reflect_pad":
        return F.pad(x, (2, 3, 1, 2), mode="reflect")
    if k == "replicate_pad":
        return F.pad(x, (2, 3, 1, 2), mode="replicate")
    if k == "dynamic_flatten":
        return x.view(x.size(0), -1)[:, 3:40].reshape(-1, 37)
    if k == "gather":
        idx = torch.tensor([[2, 0, 1]])
        return torch.gather(x.flatten(1), 1, idx.expand(x.size(0), 3) * 5)
    if k == "index":
        return x[:, torch.tensor([3, 1, 1]), 2:, -1]
    if k == "chunk":
        a, b, c = x.chunk(3, dim=3)
        return torch.cat([c, a, b * 2], 1).permute(0, 3, 1, 2).contiguous()
    if k == "expand":
        return x[:, :1].expand(-1, 5, -1, -1) * x.mean((1,), keepdim=True)
    if k == "one_hot":
        return F.one_hot(torch.arange(6) % 4, 5).float() * x.sum()
    if k == "scatter_add":  # torch exports the add as a reduction only from opset 16
        z = torch.zeros(2, 9)
        return z.scatter_add(1, torch.tensor([[0, 3, 3], [8, 1, 0]]), x.flatten()[:6].reshape(2, 3))
    if k == "tile":
        return x.repeat(1, 2, 1, 3)
    if k == "arange":
        return x * torch.arange(x.size(3)).float()
    raise ValueError(k)


CASES = ["bilinear", "bilinear_ac", "bicubic", "nearest", "nearest_size", "trilinear", "flip", "pixel_shuffle",
         "pixel_unshuffle", "roll", "reflect_pad", "replicate_pad", "dynamic_flatten", "gather", "index", "chunk",
         "expand", "one_hot", "scatter_add", "tile", "arange"]


class M(torch.nn.Module):
    def __init__(self, k):
        super().__init__()
        self.k = k

    def forward(self, x):
        return case(self.k, x)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    for k in CASES:
        x = torch.randn(2, 9, 6, 9)
        m = M(k).eval()
        with torch.no_grad():
            y = m(x)
        np.save(f"{out}/{k}_in.npy", x.numpy())
        np.save(f"{out}/{k}_out.npy", y.numpy())
        dyn = {"input": {0: "N"}} if k in ("dynamic_flatten", "expand") else None
        for opset in ((16,) if k == "scatter_add" else (11, 13, 16)):
            torch.onnx.export(m, (x,), f"{out}/{k}_{opset}.onnx", input_names=["input"], output_names=["output"],
                              opset_version=opset, dynamic_axes=dyn)


if __name__ == "__main__":
    main()
