"""Shared helpers for the DLA reference networks (models/refnets/*.py).

Every network script builds a torch module with random but realistic weights, exports it to ONNX (opset 13,
do_constant_folding=True, which folds BatchNorm into the preceding Conv) and applies the small graph surgery that
DLA-SW's scripts/prepare_models applies to the published files (see docs/models.md).

Weights: torch.manual_seed(seed) before the module is built; then every BatchNorm gets
    running_mean ~ N(0, 0.1), running_var ~ U(0.5, 1.5), weight ~ U(0.5, 1.5), bias ~ N(0, 0.1)
(the convention of models/export_torchvision.py), so the folded conv biases are non-zero and activations stay in
sane ranges. Hand-built nets get He init (Kaiming-normal, fan_in); then normalise_convs() rescales every conv
but the final predictors once, per output channel, to unit output scale on a random N(0, 1) input (LSUV-like), so
activations neither vanish nor grow with depth. Final predictor convs (no BatchNorm after them) are initialised
N(0, 0.01) with small biases, as the detectors' reference code does, so logits and box codes have plausible
magnitudes.
"""
import json
import os
import sys
import time

import numpy as np
import torch

OPSET = 13


@torch.no_grad()
def randomise_bn(model, seed):
    """Gives every BatchNorm random statistics and affine parameters; returns how many were changed."""
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


@torch.no_grad()
def init_convs_he(model):
    """He (Kaiming-normal, fan_in, ReLU gain) init for every Conv2d (fan_in: torch computes fan_out without dividing
    by groups, which would starve depthwise convs); torch's default
    init shrinks activations ~sqrt(3)x per layer, so a deep plain net (MobileNetV1) would end near zero."""
    for m in model.modules():
        if isinstance(m, torch.nn.Conv2d):
            torch.nn.init.kaiming_normal_(m.weight, mode="fan_in", nonlinearity="relu")
            if m.bias is not None:
                torch.nn.init.zeros_(m.bias)


@torch.no_grad()
def normalise_convs(model, x, skip=()):
    """Data-dependent rescaling (in the spirit of LSUV init): one forward pass on the example input `x`, in which
    every Conv2d not in `skip` has its weights and bias divided, per output channel, by the standard deviation of
    its output (the whole tensor's when a channel has fewer than 16 values), so every conv feeds the following
    BatchNorm (whose random running_var is ~1) or ReLU a unit-scale signal, as in a trained network. Without it,
    the residual sums of a randomly initialised ResNet grow with depth and the detectors' scores saturate."""
    skip_ids = {id(m) for m in skip}

    def hook(mod, inp, out):
        c = out.shape[1]
        if out.numel() // c >= 16:
            s = out.transpose(0, 1).reshape(c, -1).std(dim=1)
        else:
            s = out.std().expand(c)
        s = torch.where(s > 1e-6, s, torch.ones_like(s))
        mod.weight.div_(s.reshape(-1, 1, 1, 1))
        if mod.bias is not None:
            mod.bias.div_(s)
        return out / s.reshape(1, -1, 1, 1)

    handles = [m.register_forward_hook(hook) for m in model.modules()
               if isinstance(m, torch.nn.Conv2d) and id(m) not in skip_ids]
    try:
        model(x)
    finally:
        for h in handles:
            h.remove()


@torch.no_grad()
def init_head(conv, seed, std=0.01, bias=0.0):
    """Detection-head conv init: weights N(0, std), bias `bias` plus N(0, 0.01) noise (deterministic)."""
    g = torch.Generator().manual_seed(seed)
    conv.weight.copy_(torch.randn(conv.weight.shape, generator=g) * std)
    if conv.bias is not None:
        conv.bias.copy_(torch.randn(conv.bias.shape, generator=g) * 0.01 + bias)


class _ZeroPadHW(torch.autograd.Function):
    """Zero padding of H/W that exports as one ONNX Pad with a constant `pads` (torch 1.13 writes F.pad as a
    ConstantOfShape/Slice/Transpose chain that its constant folding leaves in place)."""

    @staticmethod
    def forward(ctx, x, top, left, bottom, right):
        return torch.nn.functional.pad(x, (left, right, top, bottom))

    @staticmethod
    def symbolic(g, x, top, left, bottom, right):
        pads = g.op("Constant", value_t=torch.tensor([0, 0, top, left, 0, 0, bottom, right], dtype=torch.int64))
        return g.op("Pad", x, pads, mode_s="constant")


class ZeroPadHW(torch.nn.Module):
    """Asymmetric zero padding (TensorFlow SAME): fold_pad_into_conv() turns it into the next Conv's pads."""

    def __init__(self, top, left, bottom, right):
        super().__init__()
        self.p = (int(top), int(left), int(bottom), int(right))

    def forward(self, x):
        return _ZeroPadHW.apply(x, *self.p)


def fold_pad_into_conv(model):
    """ONNX surgery: a constant-zero Pad on H/W whose only consumer is a Conv becomes the Conv's `pads`; a Pad
    of all zeros is removed.

    Used for TensorFlow-style SAME padding (asymmetric: the extra row/column goes to the bottom/right), which
    torch expresses as ZeroPad2d + Conv(padding=0); tf2onnx writes the same thing as one Conv with asymmetric pads.
    Returns how many Pads were folded."""
    from onnx import numpy_helper
    g = model.graph
    inits = {t.name: t for t in g.initializer}
    consts = {}
    for n in g.node:
        if n.op_type == "Constant":
            for a in n.attribute:
                if a.name == "value":
                    consts[n.output[0]] = numpy_helper.to_array(a.t)

    def const(name):
        if name in inits:
            return numpy_helper.to_array(inits[name])
        return consts.get(name)

    users = {}
    for n in g.node:
        for i in n.input:
            users.setdefault(i, []).append(n)
    graph_outputs = {o.name for o in g.output}
    removed = []
    for n in g.node:
        if n.op_type != "Pad" or n.output[0] in graph_outputs:
            continue
        mode = next((a.s for a in n.attribute if a.name == "mode"), b"constant")
        if mode != b"constant" or len(n.input) < 2:
            continue
        pads = const(n.input[1])
        value = const(n.input[2]) if len(n.input) > 2 and n.input[2] else np.zeros(())
        value = np.asarray(value).reshape(-1) if value is not None else None
        if pads is None or value is None or (value.size and float(value[0]) != 0.0):
            continue
        pads = [int(p) for p in pads]
        if not any(pads):  # a no-op Pad (torch writes one before every AveragePool): bypass it
            for u in users.get(n.output[0], []):
                for k, name in enumerate(u.input):
                    if name == n.output[0]:
                        u.input[k] = n.input[0]
            removed.append(n)
            continue
        if len(pads) != 8 or pads[0] or pads[1] or pads[4] or pads[5] or min(pads) < 0:
            continue
        us = users.get(n.output[0], [])
        if len(us) != 1 or us[0].op_type != "Conv" or us[0].input[0] != n.output[0]:
            continue
        conv = us[0]
        if any(a.name == "auto_pad" and a.s not in (b"", b"NOTSET") for a in conv.attribute):
            continue
        old = None
        for a in conv.attribute:
            if a.name == "pads":
                old = a
        cur = list(old.ints) if old is not None else [0, 0, 0, 0]
        new = [cur[0] + pads[2], cur[1] + pads[3], cur[2] + pads[6], cur[3] + pads[7]]
        if old is not None:
            del old.ints[:]
            old.ints.extend(new)
        else:
            import onnx
            conv.attribute.append(onnx.helper.make_attribute("pads", new))
        conv.input[0] = n.input[0]
        removed.append(n)
    for n in removed:
        g.node.remove(n)
    prune(model)
    return len(removed)


def prune(model):
    """Removes nodes and initializers that no graph output depends on."""
    g = model.graph
    needed = {o.name for o in g.output}
    keep = []
    for n in reversed(list(g.node)):
        if any(o in needed for o in n.output):
            keep.append(n)
            needed.update(i for i in n.input if i)
    keep.reverse()
    if len(keep) != len(g.node):
        del g.node[:]
        g.node.extend(keep)
    unused = [t for t in g.initializer if t.name not in needed]
    for t in unused:
        g.initializer.remove(t)


def export(module, args, path, input_names, output_names, surgery=None):
    """torch.onnx.export at opset 13 with constant folding, then Pad folding, `surgery(model)` and a checker pass.
    Returns the export time in seconds."""
    import onnx
    os.makedirs(os.path.dirname(os.path.abspath(path)) or ".", exist_ok=True)
    tmp = path + ".tmp"
    t0 = time.time()
    import warnings
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer warnings about constants: expected here
        torch.onnx.export(module, args, tmp, opset_version=OPSET, do_constant_folding=True,
                          input_names=input_names, output_names=output_names)
    m = onnx.load(tmp)
    fold_pad_into_conv(m)
    if surgery:
        surgery(m)
    onnx.checker.check_model(m)
    onnx.save(m, tmp)
    os.replace(tmp, path)
    return time.time() - t0


def _attr(node, name, default):
    for a in node.attribute:
        if a.name == name:
            if a.type == a.INT:
                return a.i
            if a.type == a.INTS:
                return list(a.ints)
            if a.type == a.FLOAT:
                return a.f
            if a.type == a.STRING:
                return a.s
    return default


def onnx_counts(path):
    """Parameters and MACs of an ONNX file, computed from the graph.

    params: elements of the distinct float initializers (plus float Constant nodes) the graph uses;
    params_per_node: the same counted the way `dla info` counts them (every node's constant float inputs after the
        first, so a shared constant counts once per user);
    macs: Conv = out_elems * Cin/group * kh * kw; ConvTranspose = in_elems * Cout/group * kh * kw;
        Gemm/MatMul = M*N*K; for the whole batch (macs_per_image divides by the first input's batch)."""
    import onnx
    m = onnx.load(path)
    g = m.graph
    inferred = onnx.shape_inference.infer_shapes(m)
    shapes = {}
    for vi in list(inferred.graph.value_info) + list(inferred.graph.input) + list(inferred.graph.output):
        t = vi.type.tensor_type
        if t.HasField("shape"):
            shapes[vi.name] = [d.dim_value if d.HasField("dim_value") else -1 for d in t.shape.dim]
    float_types = {onnx.TensorProto.FLOAT, onnx.TensorProto.FLOAT16, onnx.TensorProto.DOUBLE,
                   onnx.TensorProto.BFLOAT16}
    const = {}  # name -> (dims, is_float)
    for t in g.initializer:
        const[t.name] = (list(t.dims), t.data_type in float_types)
        shapes[t.name] = list(t.dims)
    for n in g.node:
        if n.op_type == "Constant":
            for a in n.attribute:
                if a.name == "value":
                    const[n.output[0]] = (list(a.t.dims), a.t.data_type in float_types)
                    shapes[n.output[0]] = list(a.t.dims)
        elif n.op_type == "Identity" and n.input[0] in const:
            const[n.output[0]] = const[n.input[0]]
            shapes[n.output[0]] = const[n.input[0]][0]

    def numel(dims):
        return int(np.prod(dims)) if dims is not None and all(d >= 0 for d in dims) else -1

    used_roots = set()
    alias = {}
    for n in g.node:
        if n.op_type == "Identity" and n.input[0] in const:
            alias[n.output[0]] = alias.get(n.input[0], n.input[0])
    params = params_node = macs = 0
    ops = {}
    for n in g.node:
        ops[n.op_type] = ops.get(n.op_type, 0) + 1
        if n.op_type in ("Constant", "Identity") and n.output[0] in const:
            continue
        for i, name in enumerate(n.input):
            if name in const and const[name][1]:
                root = alias.get(name, name)
                if root not in used_roots:
                    used_roots.add(root)
                    params += numel(const[name][0])
                if i >= 1:
                    params_node += numel(const[name][0])
        if n.op_type in ("Conv", "ConvTranspose") and len(n.input) >= 2:
            w = shapes.get(n.input[1])
            y = shapes.get(n.output[0])
            x = shapes.get(n.input[0])
            if w and y and numel(y) > 0:
                k = numel(w[2:])
                if n.op_type == "Conv":
                    macs += numel(y) * w[1] * k
                elif x and numel(x) > 0:
                    macs += numel(x) * w[1] * k
        elif n.op_type in ("Gemm", "MatMul"):
            a = shapes.get(n.input[0])
            y = shapes.get(n.output[0])
            if a and y and numel(y) > 0:
                kdim = a[0] if (n.op_type == "Gemm" and _attr(n, "transA", 0)) else a[-1]
                macs += numel(y) * kdim
    ins = [(i.name, shapes.get(i.name)) for i in g.input if i.name not in const]
    outs = [(o.name, shapes.get(o.name)) for o in g.output]
    batch = ins[0][1][0] if ins and ins[0][1] and ins[0][1][0] > 0 else 1
    return {"file": os.path.basename(path), "bytes": os.path.getsize(path), "nodes": len(g.node),
            "params": params, "params_per_node": params_node, "macs": macs, "gmacs": round(macs / 1e9, 4),
            "batch": batch, "macs_per_image": macs // batch, "gmacs_per_image": round(macs / batch / 1e9, 4),
            "inputs": [{"name": a, "shape": b} for a, b in ins],
            "outputs": [{"name": a, "shape": b} for a, b in outs],
            "ops": dict(sorted(ops.items()))}


def standard_main(build, description, default_name):
    """Command line shared by the per-network scripts: SCRIPT [--out DIR] [--force] [--seed N] [--no-full]."""
    import argparse
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__)))), "cache", "models"), help="output folder (default cache/models)")
    ap.add_argument("--force", action="store_true", help="rebuild files that already exist")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--no-full", action="store_true", help="skip the full-pipeline file")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    infos = build(a.out, force=a.force, seed=a.seed, full=not a.no_full)
    for info in infos:
        print(json.dumps(info))


def build_one(path, force, make):
    """Runs make(path) unless path exists (and not force); returns onnx_counts(path) plus timing."""
    t0 = time.time()
    built = False
    if force or not os.path.exists(path):
        make(path)
        built = True
    info = onnx_counts(path)
    info["built"] = built
    info["seconds"] = round(time.time() - t0, 1)
    print(f"  {info['file']}: {info['params'] / 1e6:.3f} M params, {info['gmacs']:.3f} GMACs "
          f"(batch {info['batch']}: {info['gmacs_per_image']:.3f} GMACs/image), {info['nodes']} nodes"
          f"{'' if built else ' (cached)'}", file=sys.stderr)
    return info
