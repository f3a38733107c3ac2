"""PyTorch twin of `synmix speed train`: the same three architectures (trainer/src/models/*.rs),
the same recipe (Adam lr 1e-3, batch 64, cross-entropy on logits) and the same measurement (a
warm-up of 4 batches, then one timed epoch over `--samples` random images in a shuffled order).

`measure` prints one line per model and shape: `model CxHxW samples_per_second`; `flops` the
FLOPs of one training sample of each (forward and backward, counted by PyTorch's FlopCounterMode
from the layer shapes: the same layers synmix trains); `peak` the GFLOP/s of a large matrix
product on the threads given (what the cores reach in the best case); `table DIR` reads the
rounds that scripts/compare-pytorch.sh left in DIR and prints the medians, their ratios to
PyTorch, each side's GFLOP/s and peak RSS.
"""
import argparse
import re
import statistics
import sys
import time
from pathlib import Path

import torch
from torch import nn


class Mlp(nn.Module):
    def __init__(self, c, h, w, classes, hidden=(256, 128)):
        super().__init__()
        layers, width = [], c * h * w
        for out in hidden:
            layers += [nn.Linear(width, out), nn.ReLU()]
            width = out
        self.net = nn.Sequential(nn.Flatten(), *layers, nn.Linear(width, classes))

    def forward(self, x):
        return self.net(x)


class Cnn(nn.Module):
    def __init__(self, c, h, w, classes, filters=(16, 32)):
        super().__init__()
        layers = []
        for out in filters:
            layers += [nn.Conv2d(c, out, 3, padding="same"), nn.ReLU(), nn.MaxPool2d(2)]
            c, h, w = out, h // 2, w // 2
        self.net = nn.Sequential(*layers, nn.Flatten(), nn.Linear(c * h * w, classes))

    def forward(self, x):
        return self.net(x)


class EncoderBlock(nn.Module):
    def __init__(self, dim, heads, mlp_ratio):
        super().__init__()
        self.norm_attention = nn.LayerNorm(dim)
        self.attention = nn.MultiheadAttention(dim, heads, dropout=0.0, batch_first=True)
        self.norm_mlp = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(
            nn.Linear(dim, dim * mlp_ratio), nn.GELU(), nn.Linear(dim * mlp_ratio, dim)
        )

    def forward(self, x):
        y = self.norm_attention(x)
        # need_weights=False: the attention map is not used, as in synmix (which drops it).
        x = x + self.attention(y, y, y, need_weights=False)[0]
        return x + self.mlp(self.norm_mlp(x))


class Vit(nn.Module):
    def __init__(self, c, h, w, classes, dim=64, depth=2, heads=4, mlp_ratio=2):
        super().__init__()
        patch = 8 if min(h, w) >= 48 else 4
        self.patches = nn.Conv2d(c, dim, patch, stride=patch)
        self.position = nn.Parameter(torch.randn(1, (h // patch) * (w // patch), dim) * 0.02)
        self.blocks = nn.Sequential(*[EncoderBlock(dim, heads, mlp_ratio) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, classes)

    def forward(self, x):
        x = self.patches(x).flatten(2).transpose(1, 2) + self.position
        return self.head(self.norm(self.blocks(x)).mean(1))


MODELS = {"mlp": Mlp, "cnn": Cnn, "vit": Vit}
# Each shape with its batch: `synmix speed train`'s defaults (64 up to 32 px, 32 above).
SHAPES = {(1, 28, 28): 64, (3, 32, 32): 64, (3, 64, 64): 32, (3, 256, 256): 32}


def shape_name(shape):
    return "x".join(map(str, shape))


def parse_shape(text):
    return tuple(int(v) for v in text.split("x"))


def epoch(model, optimizer, images, labels, order, batch):
    loss_fn = nn.CrossEntropyLoss()
    for start in range(0, len(order), batch):
        rows = order[start : start + batch]
        loss = loss_fn(model(images[rows]), labels[rows])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()


def flops_per_sample(name, shape, batch):
    """FLOPs of one training step over `batch` images (forward, backward), divided by the batch."""
    from torch.utils.flop_counter import FlopCounterMode

    torch.manual_seed(0)
    model = MODELS[name](*shape, 10)
    images, labels = torch.rand(batch, *shape), torch.randint(0, 10, (batch,))
    with FlopCounterMode(display=False) as counter:
        nn.CrossEntropyLoss()(model(images), labels).backward()
    return counter.get_total_flops() / batch


def peak_gflops(threads, side=2048, repeats=10):
    """GFLOP/s of a side×side float32 matrix product: what the cores reach in the best case."""
    torch.set_num_threads(threads)
    a, b = torch.rand(side, side), torch.rand(side, side)
    a @ b
    began = time.perf_counter()
    for _ in range(repeats):
        a @ b
    return 2 * side**3 * repeats / (time.perf_counter() - began) / 1e9


def measure(name, shape, samples, batch):
    torch.manual_seed(0)
    c, h, w = shape
    images = torch.randint(0, 256, (samples, c, h, w), dtype=torch.uint8).float() / 255.0
    labels = torch.randint(0, 10, (samples,))
    model = MODELS[name](c, h, w, 10)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    epoch(model, optimizer, images, labels, torch.arange(min(samples, 4 * batch)), batch)
    began = time.perf_counter()
    epoch(model, optimizer, images, labels, torch.randperm(samples), batch)
    return samples / (time.perf_counter() - began)


def synmix_rates(text):
    """`synmix speed train` lines (`  cnn 28×28×1  3301 samples/s ...`) as {(model, CxHxW): rate}."""
    rates = {}
    for model, w, h, c, rate in re.findall(r"^\s*(\w+)\s+(\d+)×(\d+)×(\d+)\s+(\d+) samples/s", text, re.M):
        rates[(model, f"{c}x{h}x{w}")] = float(rate)
    return rates


def torch_rates(text):
    return {(m, s): float(r) for m, s, r in (line.split() for line in text.splitlines() if line.strip())}


def table(directory):
    """The medians of the rounds in `directory`: files SIDE-ROUND-MODEL-SHAPE.txt and .rss (one
    process per cell), flops.txt and peak.txt, rounds.txt (each round's load)."""
    directory = Path(directory)
    parsers = {"before": synmix_rates, "synmix": synmix_rates, "torch": torch_rates}
    rates, rss = {}, {}
    for path in directory.glob("*-*-*-*.txt"):
        side, _round, model, shape = path.stem.split("-")
        for cell, rate in parsers[side](path.read_text()).items():
            rates.setdefault((side, cell), []).append(rate)
        rss_path = path.with_suffix(".rss")
        if rss_path.exists():
            kib = int(rss_path.read_text().split()[-1])
            rss[(side, (model, shape))] = max(rss.get((side, (model, shape)), 0), kib)
    flops = torch_rates((directory / "flops.txt").read_text())
    peak = float((directory / "peak.txt").read_text())
    sides = [side for side in ("before", "synmix", "torch") if any(k[0] == side for k in rates)]
    rounds = max(len(values) for values in rates.values())
    loaded = (directory / "loaded").exists()
    mark = "!" if loaded else ""
    if loaded:
        print("!!! MEASURED WHILE OTHER WORK USED THE CORES (FORCE=1): THESE FIGURES ARE NOT A RESULT !!!")
    print(f"samples/s: median of {rounds} alternating rounds; GFLOP/s: samples/s × FLOPs per sample")
    print(f"(forward + backward, from the layer shapes); peak: a 2048² matrix product, {peak:.0f} GFLOP/s")
    header = f"{'model':<6}{'shape':<10}{'batch':>6}{'MFLOP':>8}"
    if "before" in sides:
        header += f"{'before':>9}{'ratio':>7}"
    header += f"{'synmix':>9}{'pytorch':>9}{'ratio':>7}{'GFLOP/s':>9}{'torch':>7}{'%peak':>7}{'MiB':>7}{'torch':>7}"
    print(header)
    for shape, batch in SHAPES.items():
        shape = shape_name(shape)
        for model in MODELS:
            cell = (model, shape)
            if ("torch", cell) not in rates or ("synmix", cell) not in rates:
                continue
            rate = {side: statistics.median(rates[(side, cell)]) for side in sides if (side, cell) in rates}
            mflop = flops[cell] / 1e6
            row = f"{model:<6}{shape:<10}{batch:>6}{mflop:>8.1f}"
            if "before" in sides:
                row += f"{rate['before']:>9.0f}{rate['before'] / rate['torch']:>7.2f}"
            gflops = {side: rate[side] * flops[cell] / 1e9 for side in rate}
            row += f"{rate['synmix']:>9.0f}{rate['torch']:>9.0f}{rate['synmix'] / rate['torch']:>6.2f}{mark:1}"
            row += f"{gflops['synmix']:>9.1f}{gflops['torch']:>7.1f}{100 * gflops['synmix'] / peak:>6.0f}%"
            row += "".join(f"{rss.get((side, cell), 0) / 1024:>7.0f}" for side in ("synmix", "torch"))
            print(row)


def main():
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("measure")
    run.add_argument("--threads", type=int, default=2)
    run.add_argument("--samples", type=int, default=1024)
    run.add_argument("--batch", type=int, help="default: the shape's batch in SHAPES")
    run.add_argument("--model", choices=MODELS, action="append")
    run.add_argument("--shape", type=parse_shape, action="append", help="CxHxW, e.g. 3x256x256")
    commands.add_parser("flops")
    commands.add_parser("peak").add_argument("--threads", type=int, default=2)
    commands.add_parser("table").add_argument("dir")
    args = parser.parse_args()
    if args.command == "table":
        table(args.dir)
    elif args.command == "flops":
        for shape, batch in SHAPES.items():
            for name in MODELS:
                print(f"{name} {shape_name(shape)} {flops_per_sample(name, shape, batch):.0f}")
    elif args.command == "peak":
        print(f"{peak_gflops(args.threads):.1f}")
    else:
        torch.set_num_threads(args.threads)
        for shape in args.shape or SHAPES:
            for name in args.model or MODELS:
                rate = measure(name, shape, args.samples, args.batch or SHAPES.get(shape, 64))
                print(f"{name} {shape_name(shape)} {rate:.1f}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
