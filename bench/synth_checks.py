#!/usr/bin/env python3
"""Synth cost of GuardrailChecks vs no pack vs cdk-nag's AwsSolutionsChecks, in one run.

Builds one compliant stack of N resources (half security groups with an inline ingress
rule on an allowed port, half S3 buckets with KMS encryption and their TLS-only bucket
policies), then times ``app.synth()`` (validation plugins run inside it) in a fresh
Python process per measurement, so jsii kernels do not share warm state. Prints the
median of --repeat runs and each pack's ratio to "no pack", for ``app.synth()`` alone and
for the whole app (imports, the pack's construction, the constructs and synth: what a
``cdk synth`` waits for, less the CLI's own start). CDK's built-in CloudFormation
validator is off in all three (CDK_VALIDATION=false): it costs the same in each and would
only blur the ratios.

    python bench/synth_checks.py --resources 200 2000 --repeat 5
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import time
T0 = time.perf_counter()
import json, os, sys, tempfile
import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2, aws_s3 as s3
pack, n = sys.argv[1], int(sys.argv[2])
app = cdk.App(outdir=tempfile.mkdtemp(), context={"@aws-cdk/core:stackResourceLimit": 0})
stack = cdk.Stack(app, "Bench")
for i in range(n // 2):
    ec2.CfnSecurityGroup(stack, f"Sg{i}", group_description="bench", vpc_id="vpc-0123456789abcdef0",
        security_group_ingress=[ec2.CfnSecurityGroup.IngressProperty(
            ip_protocol="tcp", from_port=443, to_port=443, cidr_ip="0.0.0.0/0")])
for i in range((n - n // 2) // 2):  # a bucket and its TLS-only policy: compliant
    encryption = s3.CfnBucket.BucketEncryptionProperty(
        server_side_encryption_configuration=[s3.CfnBucket.ServerSideEncryptionRuleProperty(
            server_side_encryption_by_default=s3.CfnBucket.ServerSideEncryptionByDefaultProperty(
                sse_algorithm="aws:kms"))])
    bucket = s3.CfnBucket(stack, f"Bucket{i}", bucket_encryption=encryption)
    s3.CfnBucketPolicy(stack, f"Policy{i}", bucket=bucket.ref, policy_document={
        "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*",
                       "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]})
if pack == "guardrails":
    from guardrails import GuardrailChecks
    cdk.Validations.of(app).add_plugins(GuardrailChecks(app))
elif pack == "empty-plugin":
    import jsii
    @jsii.implements(cdk.IPolicyValidationPlugin)
    class Empty:
        @property
        def name(self): return "Empty"
        @property
        def version(self): return "0.0.0"
        @property
        def rule_ids(self): return []
        def validate(self, context):
            return cdk.PolicyValidationPluginReport(success=True, violations=[])
    cdk.Validations.of(app).add_plugins(Empty())
elif pack == "aws-solutions":
    from cdk_nag import AwsSolutionsChecks
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
start = time.perf_counter()
try:
    app.synth()
except RuntimeError:
    pass  # findings fail the synth; the time to produce them is what is measured
end = time.perf_counter()
print(json.dumps({"seconds": end - start, "process": end - T0}))
"""

# "empty-plugin" is a Python validation plugin that checks nothing: the floor that CDK's
# validation framework costs any plugin, shown so the packs' own cost can be read off.
PACKS = ("none", "empty-plugin", "guardrails", "aws-solutions")


def measure(pack: str, resources: int) -> tuple[float, float]:
    """(seconds of ``app.synth()``, seconds of the whole app: imports, the pack's
    construction, the constructs, synth) of one fresh process."""
    env = dict(
        os.environ, CDK_VALIDATION="false", JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="20"
    )
    out = subprocess.run(
        [sys.executable, "-c", CHILD, pack, str(resources)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout
    found = json.loads(out.strip().splitlines()[-1])
    return float(found["seconds"]), float(found["process"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resources", type=int, nargs="+", default=[200, 2000])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(
        f"{'resources':>9}  {'pack':<14} {'synth s':>8}  {'x no pack':>9}  "
        f"{'app s':>6}  {'x no pack':>9}"
    )
    for n in args.resources:
        runs: dict[str, list[tuple[float, float]]] = {pack: [] for pack in PACKS}
        for _ in range(args.repeat):  # interleaved, so load changes hit every pack alike
            for pack in PACKS:
                runs[pack].append(measure(pack, n))
        synth = {p: statistics.median(t for t, _ in times) for p, times in runs.items()}
        app = {p: statistics.median(t for _, t in times) for p, times in runs.items()}
        for pack in PACKS:
            print(
                f"{n:>9}  {pack:<14} {synth[pack]:>8.2f}  {synth[pack] / synth['none']:>8.2f}x  "
                f"{app[pack]:>6.2f}  {app[pack] / app['none']:>8.2f}x",
                flush=True,
            )


if __name__ == "__main__":
    main()
