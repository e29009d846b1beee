#!/usr/bin/python3
"""Cut the post-processing off a full-pipeline ONNX model: the subgraph from the given intermediate tensors (the
network's head outputs, where DLA-SW's graph surgery cuts) to the given outputs, as its own model, with the cut
tensors renamed so that they match the outputs of the separately exported DLA part. `dla eval --post` runs it on
the host executor after the DLA part, which is how a detector whose NMS outputs have data-dependent shapes is
evaluated on the DLA engine (decoding, NMS, TopK on the host, as DLA-SW runs them on the GPU).

    /usr/bin/python3 scripts/onnx_post.py FULL.onnx OUT.onnx --inputs NAME=TENSOR[,NAME=TENSOR...]
                                          [--outputs boxes,scores,labels,num_detections]

For models/detect (head maps of detect_heads.onnx are head_s8, head_s16, head_s32):

    /usr/bin/python3 scripts/onnx_post.py models/detect/detect_full.onnx cache/eval/detect_post.onnx \\
        --inputs head_s8=/det/heads.0/Conv_output_0,head_s16=/det/heads.1/Conv_output_0,head_s32=/det/heads.2/Conv_output_0

Checks that the cut is complete: every node of the result reads only the new inputs, initializers or other nodes'
outputs (onnx.utils.extract_model does the walk; onnx.checker validates the result).
"""
import argparse
import os
import sys
import tempfile

import onnx
import onnx.utils


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("full")
    ap.add_argument("out")
    ap.add_argument("--inputs", required=True, help="NAME=TENSOR,...: cut at TENSOR, call it NAME")
    ap.add_argument("--outputs", default="boxes,scores,labels,num_detections")
    a = ap.parse_args()
    pairs = [p.split("=", 1) for p in a.inputs.split(",")]
    if any(len(p) != 2 for p in pairs):
        sys.exit("--inputs: expected NAME=TENSOR pairs")
    outputs = a.outputs.split(",")
    with tempfile.TemporaryDirectory() as tmp:
        cut = os.path.join(tmp, "cut.onnx")
        onnx.utils.extract_model(a.full, cut, [t for _, t in pairs], outputs)
        m = onnx.load(cut)
    rename = {t: n for n, t in pairs}
    for v in list(m.graph.input) + list(m.graph.value_info):
        if v.name in rename:
            v.name = rename[v.name]
    for node in m.graph.node:
        for i, x in enumerate(node.input):
            if x in rename:
                node.input[i] = rename[x]
    onnx.checker.check_model(m)
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    onnx.save(m, a.out)
    print(f"{a.out}: {len(m.graph.node)} nodes, inputs "
          f"{[(i.name, [d.dim_value or d.dim_param for d in i.type.tensor_type.shape.dim]) for i in m.graph.input]}, "
          f"outputs {[o.name for o in m.graph.output]}")


if __name__ == "__main__":
    main()
