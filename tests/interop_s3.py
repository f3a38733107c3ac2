"""Reads a synmix dataset on an S3-compatible server with the real clients: pyarrow's
S3FileSystem and Hugging Face `datasets` (through fsspec's s3fs), configured from the same
AWS_* variables synmix uses.

Usage: python interop_s3.py s3://BUCKET/PREFIX HF_CACHE_DIR
"""
import json
import os
import sys
from urllib.parse import urlparse

url, cache = sys.argv[1], sys.argv[2]
os.environ["HF_HOME"] = cache  # before `datasets` reads it: nothing lands in the user's cache

import datasets
import pyarrow.fs
import pyarrow.parquet as pq

endpoint = urlparse(os.environ["AWS_ENDPOINT_URL"])
prefix = url[len("s3://"):]

s3 = pyarrow.fs.S3FileSystem(
    endpoint_override=endpoint.netloc,
    scheme=endpoint.scheme,
    access_key=os.environ["AWS_ACCESS_KEY_ID"],
    secret_key=os.environ["AWS_SECRET_ACCESS_KEY"],
    region=os.environ["AWS_REGION"],
)
with s3.open_input_stream(f"{prefix}/manifest.json") as f:
    manifest = json.loads(f.read())
shards = [f"{prefix}/{s['file']}" for s in manifest["splits"]["train"]["shards"]]
table = pq.read_table(shards, filesystem=s3)
assert table.num_rows == manifest["splits"]["train"]["rows"], table.num_rows
assert table.schema.names == ["image", "label", "source", "uid", "meta"], table.schema.names

options = {
    "key": os.environ["AWS_ACCESS_KEY_ID"],
    "secret": os.environ["AWS_SECRET_ACCESS_KEY"],
    "client_kwargs": {"endpoint_url": os.environ["AWS_ENDPOINT_URL"], "region_name": os.environ["AWS_REGION"]},
}
loaded = datasets.load_dataset(
    "parquet",
    data_files={"train": [f"s3://{s}" for s in shards]},
    split="train",
    storage_options=options,
    cache_dir=cache,
)
label = loaded.features["label"]
assert isinstance(label, datasets.ClassLabel), type(label)
assert label.names == manifest["classes"], label.names
first = loaded[0]["image"]
assert first.size == (manifest["image"]["width"], manifest["image"]["height"]), first.size
print(f"interop over S3 ok: {len(loaded)} rows, classes {label.names[:3]}...")
