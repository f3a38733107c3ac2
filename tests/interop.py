"""Reads a synmix dataset with the real clients: pyarrow and Hugging Face `datasets`.

Usage: python interop.py DATASET_DIR CLASS_NAME...
"""
import glob
import json
import os
import sys

import pyarrow.parquet as pq
import datasets

directory, classes = sys.argv[1], sys.argv[2:]
shards = sorted(glob.glob(os.path.join(directory, "data", "train-*.parquet")))
assert shards, "no train shards"

schema = pq.read_schema(shards[0])
assert schema.names == ["image", "label", "source", "uid", "meta"], schema.names
assert str(schema.field("image").type) == "struct<bytes: binary, path: string>", schema.field("image").type
assert str(schema.field("label").type) == "int64"
features = json.loads(schema.metadata[b"huggingface"])["info"]["features"]
assert features["label"]["names"] == classes, features["label"]["names"]
table = pq.read_table(shards)
manifest = json.load(open(os.path.join(directory, "manifest.json")))
assert table.num_rows == manifest["splits"]["train"]["rows"]

# The metadata must be read by `datasets` itself, not just be present.
loaded = datasets.load_dataset("parquet", data_files={"train": shards}, split="train")
label = loaded.features["label"]
assert isinstance(label, datasets.ClassLabel), type(label)
assert label.names == classes, label.names
assert isinstance(loaded.features["image"], datasets.Image), loaded.features["image"]
first = loaded[0]["image"]
assert first.size == (manifest["image"]["width"], manifest["image"]["height"]), first.size

# The directory loads as a Hub dataset through its card, with both splits.
whole = datasets.load_dataset(directory)
assert set(whole.keys()) == set(manifest["splits"].keys()), whole.keys()
assert whole["train"].features["label"].names == classes
assert whole["train"].num_rows == manifest["splits"]["train"]["rows"]
print(f"interop ok: {len(loaded)} rows, classes {label.names[:3]}..., image {first.size} {first.mode}")
