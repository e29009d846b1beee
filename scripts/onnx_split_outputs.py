#!/usr/bin/python3
"""Split Conv outputs of a DLA-part model by channel range, and join them again at the start of its host
post-processing model: the FP32 function of the pair is unchanged, but each part becomes its own network output
with its own INT8 scale.

Why: the DLA quantizes an activation with one scale per tensor. A detector head that computes box codes and class
logits in one convolution (channels [0, 4A) loc, then A(C+1) conf) gets the scale of its largest values, the
logits (|x| ~ 20-35), so the box codes (|x| ~ 1-3) keep only a few INT8 steps: boxes lose about half a pixel and
mAP at high IoU thresholds drops. Split into a loc and a conf output, each is quantized on its own range.

    /usr/bin/python3 scripts/onnx_split_outputs.py HEADS.onnx POST.onnx OUT_HEADS.onnx OUT_POST.onnx \\
        --split NAME=C[,NAME=C...]

NAME is an output of HEADS.onnx produced by a Conv and an input of POST.onnx; channels [0, C) become NAME_0, the
rest NAME_1 (two Conv nodes with the weight and bias rows of each part); POST gets inputs NAME_0, NAME_1 and a
Concat (axis 1) that rebuilds NAME. For models/detect (A = 3 anchors: 12 loc channels per head):

    --split head_s8=12,head_s16=12,head_s32=12
"""
import argparse
import copy

import onnx
from onnx import helper, numpy_helper


def split_heads(m, splits):
    g = m.graph
    inits = {t.name: t for t in g.initializer}
    outs = {o.name: o for o in g.output}
    new_nodes = []
    for node in g.node:
        name = node.output[0] if node.output else None
        if name not in splits:
            new_nodes.append(node)
            continue
        if node.op_type != "Conv" or len(node.input) < 2 or node.input[1] not in inits:
            raise SystemExit(f"output '{name}' is not produced by a Conv with constant weights")
        c = splits[name]
        w = numpy_helper.to_array(inits[node.input[1]])
        b = numpy_helper.to_array(inits[node.input[2]]) if len(node.input) > 2 and node.input[2] else None
        if not 0 < c < w.shape[0]:
            raise SystemExit(f"--split {name}={c}: the Conv has {w.shape[0]} output channels")
        for part, sl in enumerate((slice(0, c), slice(c, w.shape[0]))):
            wn, bn = f"{node.input[1]}_part{part}", f"{name}_bias_part{part}"
            g.initializer.append(numpy_helper.from_array(w[sl].copy(), wn))
            ins = [node.input[0], wn]
            if b is not None:
                g.initializer.append(numpy_helper.from_array(b[sl].copy(), bn))
                ins.append(bn)
            n2 = helper.make_node("Conv", ins, [f"{name}_{part}"], name=f"{node.name or name}_part{part}")
            n2.attribute.extend(copy.deepcopy(node.attribute))
            new_nodes.append(n2)
        o = outs[name]
        dims = [d.dim_value or d.dim_param for d in o.type.tensor_type.shape.dim]
        idx = list(g.output).index(o)
        g.output.remove(o)
        for part, ch in enumerate((c, dims[1] - c)):
            d = list(dims)
            d[1] = ch
            g.output.insert(idx + part, helper.make_tensor_value_info(f"{name}_{part}", o.type.tensor_type.elem_type, d))
    del g.node[:]
    g.node.extend(new_nodes)
    used = {x for n in g.node for x in n.input}
    keep = [t for t in g.initializer if t.name in used]
    del g.initializer[:]
    g.initializer.extend(keep)
    return m


def join_inputs(m, splits):
    g = m.graph
    concats = []
    for name, c in splits.items():
        inp = next((i for i in g.input if i.name == name), None)
        if inp is None:
            raise SystemExit(f"the post-processing model has no input '{name}'")
        dims = [d.dim_value or d.dim_param for d in inp.type.tensor_type.shape.dim]
        idx = list(g.input).index(inp)
        g.input.remove(inp)
        for part, ch in enumerate((c, dims[1] - c)):
            d = list(dims)
            d[1] = ch
            g.input.insert(idx + part, helper.make_tensor_value_info(f"{name}_{part}", inp.type.tensor_type.elem_type, d))
        concats.append(helper.make_node("Concat", [f"{name}_0", f"{name}_1"], [name], name=f"{name}_join", axis=1))
    nodes = concats + list(g.node)
    del g.node[:]
    g.node.extend(nodes)
    return m


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("heads")
    ap.add_argument("post")
    ap.add_argument("out_heads")
    ap.add_argument("out_post")
    ap.add_argument("--split", required=True)
    a = ap.parse_args()
    splits = {}
    for p in a.split.split(","):
        n, c = p.split("=")
        splits[n] = int(c)
    h = split_heads(onnx.load(a.heads), splits)
    onnx.checker.check_model(h)
    onnx.save(h, a.out_heads)
    p = join_inputs(onnx.load(a.post), splits)
    onnx.checker.check_model(p)
    onnx.save(p, a.out_post)
    print(f"{a.out_heads}: outputs {[o.name for o in h.graph.output]}; {a.out_post}: inputs "
          f"{[i.name for i in p.graph.input]}")


if __name__ == "__main__":
    main()
