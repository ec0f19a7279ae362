#!/usr/bin/env python3
"""Warm handler time per event, and AWS API calls per event, in one run.

    python bench/handler_speed.py --events 1000

AWS is answered by botocore's Stubber (no network, no emulator), so only our code and
botocore's request/response handling are timed: the real handler (`process`) runs on the
bundled example events in each scenario; p50 and p99 over --events events. API calls are
counted with botocore `before-call` hooks and compared with the minimum the APIs allow
for the decision (one read to see the live state, one write to change it).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import boto3
from botocore.stub import Stubber

ROOT = Path(__file__).resolve().parent.parent
EVENTS = ROOT / "guardrails" / "examples" / "events"
GROUP = "sg-0a1b2c3d4e5f60001"
TOPIC = "arn:aws:sns:eu-west-1:210987654321:guardrails-findings"
OPEN_GROUP = {
    "SecurityGroups": [
        {
            "GroupId": GROUP,
            "GroupName": "web",
            "OwnerId": "210987654321",
            "Description": "d",
            "IpPermissions": [
                {
                    "IpProtocol": "tcp",
                    "FromPort": 22,
                    "ToPort": 22,
                    "IpRanges": [
                        {"CidrIp": "0.0.0.0/0", "Description": "temporary debug"},
                        {"CidrIp": "10.20.0.0/16", "Description": "office VPN"},
                    ],
                    "Ipv6Ranges": [{"CidrIpv6": "::/0"}],
                    "PrefixListIds": [],
                    "UserIdGroupPairs": [],
                }
            ],
            "Tags": [],
        }
    ]
}


def scenario_setup(name: str) -> tuple[str, dict[str, Any], list[tuple[str, dict[str, Any]]], str]:
    """(event file, settings overrides, stubbed EC2 responses, expected decision)."""
    exempt = json.loads(json.dumps(OPEN_GROUP))
    exempt["SecurityGroups"][0]["Tags"] = [{"Key": "SecurityExemption", "Value": "true"}]
    return {
        "remediate": (
            "authorize-ssh-world.json",
            {"mode": "remediate"},
            [
                ("describe_security_groups", OPEN_GROUP),
                ("revoke_security_group_ingress", {"Return": True}),
            ],
            "remediated",
        ),
        "dry-run": (
            "authorize-ssh-world.json",
            {"mode": "notify"},
            [("describe_security_groups", OPEN_GROUP)],
            "would-remediate",
        ),
        "exempt": (
            "authorize-ssh-world.json",
            {"mode": "remediate"},
            [("describe_security_groups", exempt)],
            "exempt",
        ),
        "compliant change": ("authorize-https-world.json", {"mode": "remediate"}, [], "compliant"),
        "failed call": ("authorize-failed.json", {"mode": "remediate"}, [], "ignored"),
    }[name]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1000)
    args = parser.parse_args()
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench")
    sys.path.insert(0, str(ROOT / "lambda_src"))
    import logging

    from guardrails_runtime.aws import RETRY_CONFIG, Clients
    from guardrails_runtime.handler import process
    from guardrails_runtime.model import Mode
    from guardrails_runtime.settings import RuntimeSettings

    logging.getLogger("guardrails").setLevel(logging.WARNING)  # time the work, not the log
    print(
        f"{'scenario':<17} {'decision':<16} {'p50 ms':>7} {'p99 ms':>7}  "
        f"{'EC2 calls':>9} {'minimum':>7}  SNS calls"
    )
    for name in ("remediate", "dry-run", "exempt", "compliant change", "failed call"):
        file, overrides, responses, expected = scenario_setup(name)
        event = json.loads((EVENTS / file).read_text())
        settings = RuntimeSettings(mode=Mode(overrides["mode"]), topic_arn=TOPIC)
        clients = Clients()
        ec2 = boto3.client("ec2", region_name="eu-west-1", config=RETRY_CONFIG)
        sns = boto3.client("sns", region_name="eu-west-1", config=RETRY_CONFIG)
        clients.put("ec2", "eu-west-1", ec2)
        clients.put("sns", "eu-west-1", sns)
        calls: Counter[str] = Counter()
        times = []
        with Stubber(ec2) as ec2_stub, Stubber(sns) as sns_stub:
            for client in (ec2, sns):  # ahead of the Stubber, which answers at before-call
                client.meta.events.register_first(
                    "before-call.*.*",
                    lambda model, calls=calls, **_: calls.update(
                        [model.service_model.service_name]
                    ),
                )
            for _ in range(args.events):
                for operation, response in responses:
                    ec2_stub.add_response(operation, response)
                if expected != "ignored":
                    sns_stub.add_response("publish", {"MessageId": "bench"})
                start = time.perf_counter()
                outcome = process(event, settings, clients)
                times.append(time.perf_counter() - start)
                assert outcome.decision.value == expected, (name, outcome.reason)
        times.sort()
        p50 = statistics.median(times) * 1000
        p99 = times[int(len(times) * 0.99) - 1] * 1000
        minimum = {"remediated": 2, "would-remediate": 1, "exempt": 1}.get(expected, 0)
        print(
            f"{name:<17} {expected:<16} {p50:>7.2f} {p99:>7.2f}  "
            f"{calls['ec2'] / args.events:>9.0f} {minimum:>7}  {calls['sns'] / args.events:>9.0f}"
        )


if __name__ == "__main__":
    main()
