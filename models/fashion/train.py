#!/usr/bin/python3
"""Train dlakit's default model: a compact residual CNN on Fashion-MNIST, exported to ONNX.

    /usr/bin/python3 models/fashion/train.py --out models/fashion [--epochs 8] [--threads 2]

Reads the gzip IDX files from /usr/share/datasets/fashion-mnist (Debian package dataset-fashion-mnist).
Writes, under --out:
    fashion_resnet.onnx            opset 13, input "input" [batch,1,28,28] float32 -> "logits" [batch,10]
    samples/input_K.npy            K = 0..7: test image K, 1x1x28x28 float32, normalised
    samples/expected_logits_K.npy  torch's FP32 logits for input_K (1x10 float32)
    samples/labels.txt             the true labels of those 8 images, one per line ("K LABEL NAME")
    samples/input_batch8.npy       the same 8 images as one 8x1x28x28 batch, + expected_logits_batch8.npy
    samples/eval_images_u8.npy     the first 1000 test images, raw uint8, 1000x1x28x28 (normalise as below)
    samples/eval_labels.npy        their labels, uint8 [1000]
    train_log.json                 accuracy, timings, parameter count

Normalisation of the input: x = (pixel / 255 - 0.2860) / 0.3530.
Deterministic: fixed seeds, a fixed data order, deterministic torch algorithms, single process.
"""
import argparse
import gzip
import json
import os
import struct
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

DATA_DIR = "/usr/share/datasets/fashion-mnist"
MEAN, STD = 0.2860, 0.3530
CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
           "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


def read_idx(path):
    """Reads one gzip IDX file (big-endian header) into a numpy uint8 array."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    magic, = struct.unpack(">I", raw[:4])
    if magic == 0x00000803:
        n, rows, cols = struct.unpack(">III", raw[4:16])
        return np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(n, 1, rows, cols)
    if magic == 0x00000801:
        n, = struct.unpack(">I", raw[4:8])
        return np.frombuffer(raw, dtype=np.uint8, offset=8).reshape(n)
    raise ValueError(f"{path}: bad IDX magic 0x{magic:08x}")


def load(split):
    prefix = "train" if split == "train" else "t10k"
    x = read_idx(os.path.join(DATA_DIR, f"{prefix}-images-idx3-ubyte.gz"))
    y = read_idx(os.path.join(DATA_DIR, f"{prefix}-labels-idx1-ubyte.gz"))
    assert x.shape[0] == y.shape[0]
    return x, y


def normalise(x_u8):
    return ((torch.from_numpy(np.array(x_u8)).float() / 255.0) - MEAN) / STD


def conv_bn(cin, cout, k=3, stride=1):
    return nn.Sequential(nn.Conv2d(cin, cout, k, stride, k // 2, bias=False), nn.BatchNorm2d(cout))


class Residual(nn.Module):
    """relu(x + bn(conv(relu(bn(conv(x))))))"""

    def __init__(self, c):
        super().__init__()
        self.a = conv_bn(c, c)
        self.b = conv_bn(c, c)

    def forward(self, x):
        return F.relu(x + self.b(F.relu(self.a(x))))


class FashionResNet(nn.Module):
    """28x28: stem conv 32 -> maxpool 14x14 -> residual 32 -> conv s2 64 (7x7) -> residual 64
    -> 1x1 conv 128 -> global average pool -> flatten -> linear 10."""

    def __init__(self, c1=32, c2=64, c3=128, classes=10):
        super().__init__()
        self.stem = conv_bn(1, c1)
        self.pool = nn.MaxPool2d(2)
        self.res1 = Residual(c1)
        self.down = conv_bn(c1, c2, 3, 2)
        self.res2 = Residual(c2)
        self.head = conv_bn(c2, c3, 1)
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(c3, classes)

    def forward(self, x):
        x = self.pool(F.relu(self.stem(x)))
        x = self.res1(x)
        x = F.relu(self.down(x))
        x = self.res2(x)
        x = F.relu(self.head(x))
        x = torch.flatten(self.gap(x), 1)
        return self.fc(x)


def augment(x, gen, pad=2):
    """Random crop with zero padding (in normalised units: the background value) and horizontal flip."""
    n = x.shape[0]
    bg = (0.0 - MEAN) / STD
    xp = F.pad(x, (pad, pad, pad, pad), value=bg)
    off = torch.randint(0, 2 * pad + 1, (n, 2), generator=gen)
    flip = torch.rand(n, generator=gen) < 0.5
    out = torch.empty_like(x)
    h, w = x.shape[2], x.shape[3]
    for i in range(n):
        dy, dx = int(off[i, 0]), int(off[i, 1])
        crop = xp[i, :, dy:dy + h, dx:dx + w]
        out[i] = torch.flip(crop, (2,)) if flip[i] else crop
    return out


@torch.no_grad()
def evaluate(model, x, y, bs=1000):
    model.eval()
    correct = 0
    for i in range(0, x.shape[0], bs):
        correct += (model(x[i:i + bs]).argmax(1) == y[i:i + bs]).sum().item()
    return correct / x.shape[0]


def export(model, out_dir, x_test, y_test_u8, x_test_u8):
    import onnx
    model.eval()
    path = os.path.join(out_dir, "fashion_resnet.onnx")
    dummy = x_test[:1].clone()
    torch.onnx.export(model, dummy, path, opset_version=13, do_constant_folding=True,
                      input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    m = onnx.load(path)
    onnx.checker.check_model(m)
    ops = sorted({n.op_type for n in m.graph.node})

    sdir = os.path.join(out_dir, "samples")
    os.makedirs(sdir, exist_ok=True)
    with torch.no_grad():
        logits8 = model(x_test[:8]).numpy().astype(np.float32)
    with open(os.path.join(sdir, "labels.txt"), "w") as f:
        for k in range(8):
            xk = x_test[k:k + 1].numpy().astype(np.float32)
            np.save(os.path.join(sdir, f"input_{k}.npy"), xk)
            with torch.no_grad():
                lk = model(x_test[k:k + 1]).numpy().astype(np.float32)
            np.save(os.path.join(sdir, f"expected_logits_{k}.npy"), lk)
            f.write(f"{k} {int(y_test_u8[k])} {CLASSES[int(y_test_u8[k])]}\n")
    np.save(os.path.join(sdir, "input_batch8.npy"), x_test[:8].numpy().astype(np.float32))
    np.save(os.path.join(sdir, "expected_logits_batch8.npy"), logits8)
    np.save(os.path.join(sdir, "eval_images_u8.npy"), np.ascontiguousarray(x_test_u8[:1000]))
    np.save(os.path.join(sdir, "eval_labels.npy"), np.ascontiguousarray(y_test_u8[:1000]))
    return path, ops, len(m.graph.node), os.path.getsize(path)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=4e-3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--limit", type=int, default=0, help="use only the first N training images (timing runs)")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    torch.use_deterministic_algorithms(True)
    os.makedirs(args.out, exist_ok=True)

    t0 = time.time()
    x_tr_u8, y_tr_u8 = load("train")
    x_te_u8, y_te_u8 = load("test")
    if args.limit:
        x_tr_u8, y_tr_u8 = x_tr_u8[:args.limit], y_tr_u8[:args.limit]
    x_tr, y_tr = normalise(x_tr_u8), torch.from_numpy(y_tr_u8.astype(np.int64))
    x_te, y_te = normalise(x_te_u8), torch.from_numpy(y_te_u8.astype(np.int64))

    model = FashionResNet()
    params = sum(p.numel() for p in model.parameters())
    steps_per_epoch = (x_tr.shape[0] + args.batch - 1) // args.batch
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=5e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, epochs=args.epochs,
                                                steps_per_epoch=steps_per_epoch, pct_start=0.25)
    gen = torch.Generator().manual_seed(args.seed)
    print(f"params {params}, train {x_tr.shape[0]}, test {x_te.shape[0]}, threads {args.threads}", flush=True)

    history = []
    t_train = time.time()
    for epoch in range(args.epochs):
        model.train()
        te = time.time()
        perm = torch.randperm(x_tr.shape[0], generator=gen)
        loss_sum = 0.0
        for s in range(steps_per_epoch):
            idx = perm[s * args.batch:(s + 1) * args.batch]
            xb = augment(x_tr[idx], gen)
            loss = F.cross_entropy(model(xb), y_tr[idx], label_smoothing=0.1)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            loss_sum += loss.item()
        acc = evaluate(model, x_te, y_te)
        dt = time.time() - te
        history.append({"epoch": epoch + 1, "loss": loss_sum / steps_per_epoch, "test_acc": acc, "seconds": dt})
        print(f"epoch {epoch + 1}/{args.epochs} loss {loss_sum / steps_per_epoch:.4f} "
              f"test acc {acc * 100:.2f}% ({dt:.1f} s)", flush=True)
    train_s = time.time() - t_train

    acc = evaluate(model, x_te, y_te)
    path, ops, nodes, size = export(model, args.out, x_te, y_te_u8, x_te_u8)
    log = {"test_accuracy": acc, "params": params, "epochs": args.epochs, "batch": args.batch,
           "lr": args.lr, "threads": args.threads, "seed": args.seed, "train_seconds": round(train_s, 1),
           "total_seconds": round(time.time() - t0, 1), "onnx": os.path.basename(path), "onnx_bytes": size,
           "onnx_nodes": nodes, "onnx_ops": ops, "torch": torch.__version__, "history": history}
    with open(os.path.join(args.out, "train_log.json"), "w") as f:
        json.dump(log, f, indent=1)
    print(f"test accuracy {acc * 100:.2f}%, train {train_s:.1f} s; wrote {path} ({size} bytes, {nodes} nodes: "
          f"{', '.join(ops)})", flush=True)


if __name__ == "__main__":
    main()
