"""The calibration table of `synmix advise` (scripts/calibrate-advise.sh): per setting, the
grid's best cell (mean of its seeds) against the advised one, the accuracy lost, whether the
advised range holds the best point, and the pilots' rows trained as a fraction of the grid's.

    python3 scripts/calibration_table.py OUT    (OUT/grid-*/results.csv, OUT/advice/*/advice.json)
"""
import csv
import json
import statistics
import sys
from collections import defaultdict
from pathlib import Path

GRIDS = {"n1000": "grid-n1000", "n200": "grid-n200", "r100": "grid-r100"}
PAIRS = {"near": "near", "far": "far", "noisy": "noisy"}


def grid_cells(results, pair, model, regime):
    """(strategy, point value) -> accuracies over seeds, and the grid's rows trained."""
    cells, samples = defaultdict(list), 0.0
    for row in results:
        if (row["pair"], row["architecture"], row["regime"]) != (pair, model, regime):
            continue
        if row["status"] != "ok":
            continue
        value = float(row["multiple"] if regime == "added-synthetic" else row["share"])
        cells[(row["strategy"], value)].append(float(row["accuracy"]))
        samples += float(row["train_seconds"]) * float(row["samples_per_second"])
    return cells, samples


def main(out):
    out = Path(out)
    rows, ok, covered, cost, wrong_synthetic = [], 0, 0, [], 0
    for advice_file in sorted(out.glob("advice/*/advice.json")):
        name = advice_file.parent.name
        grid, pair, model = name.split("-")
        advice = json.loads(advice_file.read_text())
        regime = advice["question"]["regime"]
        results = list(csv.DictReader(open(out / GRIDS[grid] / "results.csv")))
        cells, grid_samples = grid_cells(results, PAIRS[pair], model, regime)
        means = {k: statistics.mean(v) for k, v in cells.items()}
        # At the endpoints every strategy is the SM run.
        best_key = max(means, key=lambda k: (means[k], -k[1]))
        best = means[best_key]
        real_only = means[("sm", 0.0)]
        point = advice["multiple"] if regime == "added-synthetic" else advice["share"]
        strategy = "sm" if advice["strategy"] == "real-only" else advice["strategy"]
        at = means[(strategy, point["value"])]
        lost = (best - at) * 100
        holds = point["low"] - 1e-9 <= best_key[1] <= point["high"] + 1e-9
        fraction = advice["cost"]["samples"] / grid_samples
        ok += lost <= 1.0
        covered += holds
        cost.append(fraction)
        if advice["strategy"] != "real-only" and (real_only - best) * 100 > -1e-9 and (real_only - at) * 100 > 1:
            wrong_synthetic += 1
        rows.append(
            f"| {grid} {pair} {model} | {best_key[0]} {best_key[1]:g} ({best:.3f}; real only {real_only:.3f}) "
            f"| {advice['strategy']} {point['value']:g} [{point['low']:g}, {point['high']:g}] "
            f"| {at:.3f} | {lost:.1f} | {'yes' if holds else 'no'} | {fraction * 100:.1f} % |"
        )
    print("| setting | grid's best (mean of 3 seeds) | advised [range] | grid at advised | points lost | range holds best | cost of grid |")
    print("|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    n = len(rows)
    print(f"\nwithin 1 point: {ok} of {n}; range holds the best point: {covered} of {n}; "
          f"cost: median {statistics.median(cost) * 100:.1f} %, max {max(cost) * 100:.1f} %; "
          f"synthetic advised where real only is best by more than 1 point: {wrong_synthetic}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "runs/calibration")
