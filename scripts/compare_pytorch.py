"""PyTorch twin of `synmix speed train`: the same three architectures (trainer/src/models/*.rs),
the same recipe (Adam lr 1e-3, batch 64, cross-entropy on logits) and the same measurement (a
warm-up of 4 batches, then one timed epoch over `--samples` random images in a shuffled order).

`measure` prints one line per model and shape: `model CxHxW samples_per_second`; `table DIR`
reads the rounds that scripts/compare-pytorch.sh left in DIR (each side's lines and peak RSS, an
optional older synmix as "before") and prints the medians and their ratios to PyTorch.
"""
import argparse
import re
import statistics
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
SHAPES = [(1, 28, 28), (3, 32, 32)]


def epoch(model, optimizer, images, labels, order, batch):
    loss_fn = nn.CrossEntropyLoss()
    for start in range(0, len(order), batch):
        rows = order[start : start + batch]
        loss = loss_fn(model(images[rows]), labels[rows])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()


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
    for model, h, w, c, rate in re.findall(r"^\s*(\w+)\s+(\d+)×(\d+)×(\d+)\s+(\d+) samples/s", text, re.M):
        rates[(model, f"{c}x{h}x{w}")] = float(rate)
    return rates


def torch_rates(text):
    return {(m, s): float(r) for m, s, r in (line.split() for line in text.splitlines() if line.strip())}


def table(directory):
    directory = Path(directory)
    parsers = {"before": synmix_rates, "synmix": synmix_rates, "torch": torch_rates}
    runs = {side: [parse(p.read_text()) for p in sorted(directory.glob(f"{side}-*.txt"))] for side, parse in parsers.items()}
    runs = {side: rounds for side, rounds in runs.items() if rounds}
    before = "before" in runs
    # Under load PyTorch's OpenMP threads, which spin while they wait, lose far more than rayon's;
    # "best" is the ratio of each side's fastest round, the least disturbed by other work.
    print(f"samples/s, median of {len(runs['torch'])} alternating rounds; best: ratio of the fastest rounds")
    print(f"{'model':<6}{'shape':<9}" + (f"{'before':>9}{'ratio':>7}" if before else "") + f"{'synmix':>9}{'pytorch':>9}{'ratio':>7}{'best':>7}")
    for shape in ("x".join(map(str, s)) for s in SHAPES):
        for model in MODELS:
            rate = {side: statistics.median(r[(model, shape)] for r in rounds) for side, rounds in runs.items()}
            row = f"{model:<6}{shape:<9}"
            if before:
                row += f"{rate['before']:>9.0f}{rate['before'] / rate['torch']:>7.2f}"
            best = {side: max(r[(model, shape)] for r in rounds) for side, rounds in runs.items()}
            row += f"{rate['synmix']:>9.0f}{rate['torch']:>9.0f}{rate['synmix'] / rate['torch']:>7.2f}"
            print(row + f"{best['synmix'] / best['torch']:>7.2f}")
    for side in runs:
        rss = [int(p.read_text().split()[-1]) for p in directory.glob(f"{side}-*.rss")]
        print(f"peak RSS of one {side} process (all six runs): {max(rss) / 1024:.0f} MiB")


def main():
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("measure")
    run.add_argument("--threads", type=int, default=2)
    run.add_argument("--samples", type=int, default=1024)
    run.add_argument("--batch", type=int, default=64)
    commands.add_parser("table").add_argument("dir")
    args = parser.parse_args()
    if args.command == "table":
        table(args.dir)
        return
    torch.set_num_threads(args.threads)
    for shape in SHAPES:
        for name in MODELS:
            rate = measure(name, shape, args.samples, args.batch)
            print(f"{name} {'x'.join(map(str, shape))} {rate:.1f}", flush=True)


if __name__ == "__main__":
    main()
