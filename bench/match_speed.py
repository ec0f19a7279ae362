#!/usr/bin/env python3
"""Matching a large change against a large group (issue 13, item 12).

    python bench/match_speed.py --rules 1000 --repeat 5

A security group with RULES ingress rules (half world-open on a disallowed port), and a
CloudTrail record of an AuthorizeSecurityGroupIngress that added all of them. Timed: the
pure decision (``open_entries`` + ``in_scope``) and the whole handler (``process``) against
moto, one read and one revoke, median of --repeat. Setup (creating the rules in moto) is
not timed.

Also timed, without AWS: the coverage judgement (sources that only together are the
whole internet) on RULES entries built to make it work hardest: 1,024 IPv6 /10 blocks
that cover the whole space on every port, and the rest single-port /64 entries, each
starting a new port segment of the sweep.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
    os.environ[key] = "testing"
os.environ["AWS_DEFAULT_REGION"] = "eu-west-1"


def permissions(n: int) -> list[dict[str, object]]:
    out = []
    for i in range(n):
        cidr = "0.0.0.0/0" if i % 2 else f"10.{i // 256}.{i % 256}.0/24"
        out.append(
            {
                "IpProtocol": "tcp",
                "FromPort": 2000 + i,
                "ToPort": 2000 + i,
                "IpRanges": [{"CidrIp": cidr}],
            }
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    import boto3
    from helpers import authorize_record, clients, settings
    from moto import mock_aws
    from moto.ec2.models.security_groups import SecurityGroupBackend

    # AWS allows up to 1,000 rules per group (with a quota increase); moto stops at 60.
    SecurityGroupBackend._verify_group_will_respect_rule_count_limit = (  # type: ignore[method-assign]
        lambda *_, **__: None
    )

    from guardrails_runtime.adapters.ec2_security_group import (
        entries_from_api,
        entries_from_authorize,
    )
    from guardrails_runtime.handler import process
    from guardrails_runtime.model import Decision
    from guardrails_runtime.policies.sg_open_ingress.fix import in_scope
    from guardrails_runtime.policies.sg_open_ingress.policy import open_entries

    pure: list[float] = []
    handler: list[float] = []
    for _ in range(args.repeat):
        with mock_aws():
            ec2 = boto3.client("ec2", region_name="eu-west-1")
            vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
            gid = ec2.create_security_group(GroupName="big", Description="bench", VpcId=vpc)[
                "GroupId"
            ]
            perms = permissions(args.rules)
            created = ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=perms)
            event = authorize_record(gid, perms, created["SecurityGroupRules"])
            detail = event.get("detail", event)
            live = entries_from_api(
                ec2.describe_security_groups(GroupIds=[gid])["SecurityGroups"][0]["IpPermissions"]
            )
            scope = entries_from_authorize(detail["requestParameters"], detail["responseElements"])
            start = time.perf_counter()
            found = open_entries(live, frozenset({80, 443}))
            in_scope([f.entry for f in found], scope)
            pure.append(time.perf_counter() - start)
            start = time.perf_counter()
            outcome = process(event, settings(), clients())
            handler.append(time.perf_counter() - start)
            assert outcome.decision is Decision.REMEDIATED, outcome.reason
            assert len(outcome.changes) == args.rules // 2
    from guardrails_runtime.model import IngressEntry, SourceKind
    from guardrails_runtime.policies.sg_open_ingress.policy import cover_members

    blocks = [
        IngressEntry("tcp", 0, 65535, f"{i << 6:x}::/10", SourceKind.IPV6) for i in range(1024)
    ]
    small = [
        IngressEntry("tcp", 2000 + i, 2000 + i, f"2001:db8:{i:x}::/64", SourceKind.IPV6)
        for i in range(args.rules)
    ]
    cover: list[float] = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        members = cover_members(blocks + small)
        cover.append(time.perf_counter() - start)
        assert len(members) == 1024
    print(f"rules and change entries: {args.rules}")
    print(
        f"cover_members, 1,024 covering blocks + {args.rules} single-port entries: "
        f"median {statistics.median(cover) * 1000:.1f} ms"
    )
    print(f"open_entries + in_scope: median {statistics.median(pure) * 1000:.1f} ms")
    print(f"handler (moto, 1 read + 1 revoke): median {statistics.median(handler):.2f} s")


if __name__ == "__main__":
    main()
