#!/usr/bin/env python3
"""Synth cost of GuardrailChecks vs no pack vs cdk-nag's AwsSolutionsChecks, in one run.

Builds one compliant stack of N resources (half security groups with an inline ingress
rule on an allowed port, half S3 buckets with KMS encryption and their TLS-only bucket
policies), then times ``app.synth()`` (validation plugins run inside it) in a fresh
Python process per measurement, so jsii kernels do not share warm state. Prints the
median of --repeat runs and each pack's ratio to "no pack", for ``app.synth()`` alone and
for the whole app (imports, the pack's construction, the constructs and synth: what a
``cdk synth`` waits for, less the CLI's own start).

Two configurations of CDK itself are measured (--cdk-validation):

* ``default``: as a new CDK app synthesizes, with CDK's built-in CloudFormation validator
  on. That validator makes CDK build its validation report on every synth, so the ratio
  is what a user notices when adding the pack to an app.
* ``off``: with ``CDK_VALIDATION=false``, the validator off. Any validation plugin then
  also pays for CDK's report (the construct tree, suppressions, the report file), which
  the "empty-plugin" row shows: a plugin that checks nothing.

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
PACKS = {
    "off": ("none", "empty-plugin", "guardrails", "aws-solutions"),
    # With the built-in validator on, CDK builds its report for every app: the empty
    # plugin would only repeat "none", and cdk-nag's ratio is given in the "off" rows.
    "default": ("none", "guardrails"),
}


def measure(pack: str, resources: int, validation: str) -> tuple[float, float]:
    """(seconds of ``app.synth()``, seconds of the whole app: imports, the pack's
    construction, the constructs, synth) of one fresh process."""
    env = dict(os.environ, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="20")
    env.pop("CDK_VALIDATION", None)
    if validation == "off":
        env["CDK_VALIDATION"] = "false"
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
    parser.add_argument("--cdk-validation", choices=("default", "off", "both"), default="both")
    args = parser.parse_args()
    modes = ("default", "off") if args.cdk_validation == "both" else (args.cdk_validation,)
    print(
        f"{'resources':>9}  {'CDK validator':<13} {'pack':<14} {'synth s':>8}  {'x no pack':>9}  "
        f"{'app s':>6}  {'x no pack':>9}"
    )
    for n in args.resources:
        cases = [(mode, pack) for mode in modes for pack in PACKS[mode]]
        runs: dict[tuple[str, str], list[tuple[float, float]]] = {case: [] for case in cases}
        for _ in range(args.repeat):  # interleaved, so load changes hit every case alike
            for mode, pack in cases:
                runs[mode, pack].append(measure(pack, n, mode))
        synth = {c: statistics.median(t for t, _ in times) for c, times in runs.items()}
        app = {c: statistics.median(t for _, t in times) for c, times in runs.items()}
        for mode, pack in cases:
            base = (mode, "none")
            print(
                f"{n:>9}  {mode:<13} {pack:<14} {synth[mode, pack]:>8.2f}  "
                f"{synth[mode, pack] / synth[base]:>8.2f}x  "
                f"{app[mode, pack]:>6.2f}  {app[mode, pack] / app[base]:>8.2f}x",
                flush=True,
            )


if __name__ == "__main__":
    main()
