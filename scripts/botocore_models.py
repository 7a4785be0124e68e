"""The service models botocore carries (data, read by the gen_aws_*.py
scripts): the newest API version of every service, decoded."""
import gzip
import json
import os

import botocore

DATA = os.path.join(os.path.dirname(botocore.__file__), "data")


def service_models():
    """(botocore service name, its service-2.json model) for every service, by name."""
    for name in sorted(os.listdir(DATA)):
        d = os.path.join(DATA, name)
        if not os.path.isdir(d):
            continue
        versions = sorted(v for v in os.listdir(d) if os.path.isdir(os.path.join(d, v)))
        if not versions:
            continue
        base = os.path.join(d, versions[-1], "service-2.json")
        if os.path.exists(base + ".gz"):
            with gzip.open(base + ".gz") as f:
                yield name, json.load(f)
        elif os.path.exists(base):
            with open(base) as f:
                yield name, json.load(f)
