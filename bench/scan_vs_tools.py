#!/usr/bin/env python3
"""`guardrails scan` vs checkov and cfn-lint on the same files, in one run.

    python bench/scan_vs_tools.py --repeat 3

Inputs: a 2,000-resource CloudFormation template (half security groups, half buckets,
every fifth violating) and a 10,000-resource Terraform plan (bench/plans.py). Each tool
runs as its own process from its own venv (bench/.venvs/, created on first use);
checkov with --skip-download so it makes no network call. Wall time, median of --repeat.
The tools do not check the same things: checkov runs its whole catalog for the framework
(hundreds of checks), cfn-lint validates the template against the CloudFormation spec;
the figures are what a CI step costs with each.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from plans import make_plan
from venvs import tool_venv


def template(resources: int) -> dict[str, object]:
    out: dict[str, object] = {}
    for i in range(resources // 2):
        port = 22 if i % 5 == 0 else 443
        out[f"Sg{i}"] = {
            "Type": "AWS::EC2::SecurityGroup",
            "Properties": {
                "GroupDescription": "bench",
                "VpcId": "vpc-0123456789abcdef0",
                "SecurityGroupIngress": [
                    {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "CidrIp": "0.0.0.0/0"}
                ],
            },
        }
        out[f"Bucket{i}"] = {
            "Type": "AWS::S3::Bucket",
            "Properties": {
                "BucketEncryption": {
                    "ServerSideEncryptionConfiguration": [
                        {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}
                    ]
                },
                "PublicAccessBlockConfiguration": {
                    "BlockPublicAcls": True,
                    "IgnorePublicAcls": True,
                    "BlockPublicPolicy": i % 5 != 0,
                    "RestrictPublicBuckets": True,
                },
            },
        }
    return {"AWSTemplateFormatVersion": "2010-09-09", "Resources": out}


def timed(command: list[str], repeat: int) -> float:
    env = dict(os.environ, BC_SKIP_MAPPING="TRUE")
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(command, capture_output=True, check=False, env=env)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    checkov = tool_venv("checkov", "checkov", "checkov") / "checkov"
    cfn_lint = tool_venv("cfn-lint", "cfn-lint", "cfn-lint") / "cfn-lint"
    guardrails = [sys.executable, "-m", "guardrails.cli", "scan"]
    with tempfile.TemporaryDirectory() as tmp:
        cfn = Path(tmp) / "template.json"
        cfn.write_text(json.dumps(template(2000)))
        plan = Path(tmp) / "plan.json"
        plan.write_text(json.dumps(make_plan(10000)))
        rows = [
            ("CloudFormation, 2,000 resources", "guardrails scan", [*guardrails, str(cfn)]),
            (
                "CloudFormation, 2,000 resources",
                "checkov",
                [
                    str(checkov),
                    "-f",
                    str(cfn),
                    "--framework",
                    "cloudformation",
                    "--quiet",
                    "--compact",
                    "--skip-download",
                ],
            ),
            ("CloudFormation, 2,000 resources", "cfn-lint", [str(cfn_lint), str(cfn)]),
            ("Terraform plan, 10,000 resources", "guardrails scan", [*guardrails, str(plan)]),
            (
                "Terraform plan, 10,000 resources",
                "checkov",
                [
                    str(checkov),
                    "-f",
                    str(plan),
                    "--framework",
                    "terraform_plan",
                    "--quiet",
                    "--compact",
                    "--skip-download",
                ],
            ),
        ]
        ours: dict[str, float] = {}
        print(f"{'input':<34} {'tool':<16} {'median s':>9}  {'x guardrails':>12}")
        for label, tool, command in rows:
            seconds = timed(command, args.repeat)
            if tool == "guardrails scan":
                ours[label] = seconds
            print(
                f"{label:<34} {tool:<16} {seconds:>9.2f}  {seconds / ours[label]:>11.1f}x",
                flush=True,
            )


if __name__ == "__main__":
    main()
