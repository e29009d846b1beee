#!/usr/bin/python3
"""Export a torchvision classifier to ONNX (opset 13) with random, reproducible weights (no download).

    /usr/bin/python3 models/export_torchvision.py NAME [OUT.onnx] [--batch N] [--size S]
                     [--realistic-bn | --no-realistic-bn] [--dynamic-batch]
                     [--inputs DIR] [--num-inputs K] [--seed 0]

NAME is any torchvision.models classifier: resnet50, resnet34, resnet18, resnext50_32x4d, mobilenet_v2,
mobilenet_v3_large, vgg11, densenet121, shufflenet_v2_x1_0, efficientnet_b0, googlenet, squeezenet1_0,
inception_v3 (use --size 299), regnet_x_400mf, mnasnet1_0, alexnet, ...  (--list prints them all).
OUT defaults to cache/models/NAME.onnx (cache/ is git-ignored: never commit these files).

The model is built with weights=None after torch.manual_seed(SEED) and put in eval mode. With --realistic-bn
(the default) every BatchNorm gets random statistics and affine parameters before export:
    running_mean ~ N(0, 0.1), running_var ~ U(0.5, 1.5), weight ~ U(0.5, 1.5), bias ~ N(0, 0.1)
so the folded conv biases are non-zero and activations have sane ranges (with torchvision's default init,
gamma=1, beta=0, mean=0, var=1: every folded bias is 0 and e.g. MobileNetV2's logits are ~1e-10).
torch 1.13's export folds BatchNorm into the preceding Conv (do_constant_folding=True).

Input: "input" [N,3,S,S] float32 (N = --batch, S = --size, default 1 and 224); output: "output".
--inputs DIR writes input_K.npy (N(0,1) random, seeded) and expected_K.npy (torch's FP32 output) for
K = 0..num_inputs-1, and DIR/manifest.json.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch
import torchvision

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def classifier_names():
    try:
        return sorted(torchvision.models.list_models(module=torchvision.models))
    except Exception:  # older torchvision
        return sorted(n for n in dir(torchvision.models)
                      if not n.startswith("_") and n.islower() and callable(getattr(torchvision.models, n)))


def build(name, seed):
    torch.manual_seed(seed)
    kwargs = {"weights": None}
    if name in ("googlenet", "inception_v3"):
        kwargs.update(aux_logits=False, init_weights=True)
    try:
        model = torchvision.models.get_model(name, **kwargs)
    except (AttributeError, ValueError):
        fn = getattr(torchvision.models, name, None)
        if fn is None:
            sys.exit(f"export_torchvision: unknown model '{name}' (try --list)")
        model = fn(**kwargs)
    return model.eval()


@torch.no_grad()
def randomise_bn(model, seed):
    """Gives every BatchNorm non-trivial statistics (see the module doc); returns how many were changed."""
    g = torch.Generator().manual_seed(seed + 1)
    count = 0
    for m in model.modules():
        if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
            c = m.num_features
            if m.track_running_stats and m.running_mean is not None:
                m.running_mean.copy_(torch.randn(c, generator=g) * 0.1)
                m.running_var.copy_(torch.rand(c, generator=g) + 0.5)
            if m.affine:
                m.weight.copy_(torch.rand(c, generator=g) + 0.5)
                m.bias.copy_(torch.randn(c, generator=g) * 0.1)
            count += 1
    return count


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("name", nargs="?")
    ap.add_argument("out", nargs="?", help="output .onnx (default cache/models/NAME.onnx)")
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--size", type=int, default=224)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--realistic-bn", action=argparse.BooleanOptionalAction, default=True,
                    help="randomise BatchNorm statistics/affine params before export (default: on)")
    ap.add_argument("--dynamic-batch", action="store_true", help="make the batch axis symbolic ('batch')")
    ap.add_argument("--inputs", metavar="DIR", help="write random inputs and torch's outputs as .npy here")
    ap.add_argument("--num-inputs", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--list", action="store_true", help="list the model names and exit")
    args = ap.parse_args()

    if args.list:
        print("\n".join(classifier_names()))
        return
    if not args.name:
        ap.error("NAME is required")
    out = args.out or os.path.join(ROOT, "cache", "models", f"{args.name}.onnx")
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    torch.set_num_threads(args.threads)

    t0 = time.time()
    model = build(args.name, args.seed)
    n_bn = randomise_bn(model, args.seed) if args.realistic_bn else 0
    x = torch.randn(args.batch, 3, args.size, args.size, generator=torch.Generator().manual_seed(args.seed + 2))
    dyn = {"input": {0: "batch"}, "output": {0: "batch"}} if args.dynamic_batch else None
    t1 = time.time()
    with torch.no_grad():
        torch.onnx.export(model, x, out, opset_version=13, do_constant_folding=True,
                          input_names=["input"], output_names=["output"], dynamic_axes=dyn)
    t_export = time.time() - t1

    import onnx
    m = onnx.load(out)
    onnx.checker.check_model(m)
    ops = {}
    for n in m.graph.node:
        ops[n.op_type] = ops.get(n.op_type, 0) + 1
    params = sum(p.numel() for p in model.parameters())
    info = {"model": args.name, "file": out, "bytes": os.path.getsize(out), "params": params,
            "nodes": len(m.graph.node), "ops": dict(sorted(ops.items())), "bn_randomised": n_bn,
            "input": [args.batch, 3, args.size, args.size], "seed": args.seed,
            "export_s": round(t_export, 2)}

    if args.inputs:
        os.makedirs(args.inputs, exist_ok=True)
        rs = np.random.RandomState(args.seed)
        files = []
        for k in range(args.num_inputs):
            xi = rs.standard_normal((args.batch, 3, args.size, args.size)).astype(np.float32)
            with torch.no_grad():
                yi = model(torch.from_numpy(xi)).numpy().astype(np.float32)
            np.save(os.path.join(args.inputs, f"input_{k}.npy"), xi)
            np.save(os.path.join(args.inputs, f"expected_{k}.npy"), yi)
            files.append({"input": f"input_{k}.npy", "expected": f"expected_{k}.npy",
                          "max_abs_output": float(np.abs(yi).max()), "top1": yi.argmax(1).tolist()})
        with open(os.path.join(args.inputs, "manifest.json"), "w") as f:
            json.dump({"model": args.name, "onnx": os.path.abspath(out), "input_name": "input",
                       "output_name": "output", "pairs": files}, f, indent=1)
        info["inputs_dir"] = args.inputs
    info["total_s"] = round(time.time() - t0, 2)
    print(json.dumps(info))


if __name__ == "__main__":
    main()
