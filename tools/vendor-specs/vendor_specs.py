#!/usr/bin/env python3
"""Copies AWS service models from the installed botocore into specs/models, facts only.

Documentation strings are stripped; every other field (shapes, traits, metadata) is kept
verbatim. Run again after upgrading botocore; specs/README.md records the versions.
Usage: python3 tools/vendor-specs/vendor_specs.py
"""
import gzip
import json
import os
import sys

import botocore

# botocore data folder name -> the file name Gureum uses (the service's endpoint prefix
# where the two differ is recorded in the model metadata itself).
SERVICES = [
    "s3", "iam", "sts", "cloudformation", "lambda", "sqs", "dynamodb", "dynamodbstreams",
    "cloudwatch", "logs", "sns", "kms", "ssm", "secretsmanager", "events", "apigateway",
    "apigatewayv2", "kinesis", "cognito-idp", "cognito-identity", "cloudtrail", "xray",
    "ecs", "ecr", "stepfunctions", "ec2", "firehose", "elbv2", "autoscaling", "acm",
]

STRIP = {"documentation", "documentationUrl"}


def strip(node):
    if isinstance(node, dict):
        return {k: strip(v) for k, v in node.items() if k not in STRIP}
    if isinstance(node, list):
        return [strip(v) for v in node]
    return node


def main():
    root = os.path.dirname(os.path.abspath(__file__))
    out_dir = os.path.normpath(os.path.join(root, "..", "..", "specs", "models"))
    os.makedirs(out_dir, exist_ok=True)
    data = os.path.join(os.path.dirname(botocore.__file__), "data")
    rows = []
    # A small routing index, so the server can route without parsing every model at start-up.
    index = []
    for name in SERVICES:
        versions = sorted(os.listdir(os.path.join(data, name)))
        version = versions[-1]
        folder = os.path.join(data, name, version)
        path = os.path.join(folder, "service-2.json.gz")
        if os.path.exists(path):
            with gzip.open(path, "rt", encoding="utf-8") as f:
                model = json.load(f)
        else:
            with open(os.path.join(folder, "service-2.json"), encoding="utf-8") as f:
                model = json.load(f)
        model = strip(model)
        with open(os.path.join(out_dir, name + ".json"), "w", encoding="utf-8") as f:
            json.dump(model, f, separators=(",", ":"))  # keep model order: AWS serializes members in it
            f.write("\n")
        md = model["metadata"]
        rows.append((name, version, md.get("protocol"), len(model["operations"]), len(model["shapes"])))
        index.append({
            "name": name,
            "apiVersion": md.get("apiVersion"),
            "protocols": md.get("protocols") or [md.get("protocol")],
            "signingName": md.get("signingName") or md.get("endpointPrefix"),
            "endpointPrefix": md.get("endpointPrefix"),
            "targetPrefix": md.get("targetPrefix"),
        })
    with open(os.path.join(out_dir, "..", "VERSIONS.tsv"), "w", encoding="utf-8") as f:
        f.write("# source: botocore %s (pip package), data/<service>/<api-version>/service-2.json\n" % botocore.__version__)
        f.write("service\tapiVersion\tprotocol\toperations\tshapes\n")
        for r in rows:
            f.write("\t".join(str(x) for x in r) + "\n")
    with open(os.path.join(out_dir, "..", "index.json"), "w", encoding="utf-8") as f:
        json.dump(index, f, indent=1, sort_keys=True)
        f.write("\n")
    print("vendored %d models from botocore %s" % (len(rows), botocore.__version__), file=sys.stderr)


if __name__ == "__main__":
    main()
