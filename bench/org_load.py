#!/usr/bin/env python3
"""Hub mode under load: 10,000 events from 200 member accounts through the hub's handler.

On moto's in-memory AWS (an organization of 200 member accounts in two OUs, each with a
security group whose SSH is opened to the world), the events are the CloudTrail records of
those openings, repeated and shuffled (as a busy organization's bus delivers them), handled
one after the other by ``process`` with hub settings. Counts ``sts:AssumeRole`` calls made
by the hub (botocore's before-call hook on the hub's STS client) and the decisions; exits 1
when any account was assumed more than once within the credential lifetime, or when an
event was not decided as expected.

    python bench/org_load.py [--events 10000] [--accounts 200]
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "lambda_src"), str(ROOT / "tests")]
for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
    os.environ[key] = "testing"
os.environ["AWS_DEFAULT_REGION"] = "eu-west-1"

REGION = "eu-west-1"
HUB = "123456789012"  # moto's default account: the organization's management account
ROLE = "GuardrailsMember"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--accounts", type=int, default=200)
    args = parser.parse_args()

    import boto3
    from helpers import SSH_MIXED, authorize, authorize_record, new_group
    from moto import mock_aws

    from guardrails_runtime.aws import Clients
    from guardrails_runtime.handler import process
    from guardrails_runtime.model import Mode
    from guardrails_runtime.settings import RuntimeSettings

    with mock_aws():
        org = boto3.client("organizations", region_name="us-east-1")
        org.create_organization(FeatureSet="ALL")
        root = org.list_roots()["Roots"][0]["Id"]
        ous = [
            org.create_organizational_unit(ParentId=root, Name=n)["OrganizationalUnit"]["Id"]
            for n in ("prod", "dev")
        ]
        sts = boto3.client("sts", region_name=REGION)
        records = []
        for i in range(args.accounts):
            status = org.create_account(Email=f"m{i}@example.com", AccountName=f"m{i}")
            account = status["CreateAccountStatus"]["AccountId"]
            org.move_account(AccountId=account, SourceParentId=root, DestinationParentId=ous[i % 2])
            creds = sts.assume_role(
                RoleArn=f"arn:aws:iam::{account}:role/Setup", RoleSessionName="setup"
            )["Credentials"]
            ec2 = boto3.client(
                "ec2",
                region_name=REGION,
                aws_access_key_id=creds["AccessKeyId"],
                aws_secret_access_key=creds["SecretAccessKey"],
                aws_session_token=creds["SessionToken"],
            )
            group = new_group(ec2)
            record = authorize_record(group, SSH_MIXED, authorize(ec2, group, SSH_MIXED))
            records.append(json.loads(json.dumps(record).replace(HUB, account)))
        rng = random.Random(17)
        order = [records[i % len(records)] for i in range(args.events)]
        rng.shuffle(order)
        events = []
        for n, record in enumerate(order):  # each delivery has its own CloudTrail event id
            event = json.loads(json.dumps(record))
            event["detail"]["eventID"] = f"00000000-0000-4000-8000-{n:012d}"
            events.append(event)

        settings = RuntimeSettings(
            mode=Mode.NOTIFY,
            organization_modes={ous[0]: Mode.REMEDIATE},
            member_role_name=ROLE,
            remediator_role_arn=f"arn:aws:iam::{HUB}:role/guardrails-remediator",
        )
        home = Clients(boto3.session.Session(region_name=REGION))
        assumed: collections.Counter[str] = collections.Counter()

        def count(params: dict, **_: object) -> None:
            assumed[params["RoleArn"].split(":")[4]] += 1

        home.get("sts", REGION).meta.events.register("before-parameter-build.sts.AssumeRole", count)
        decisions: collections.Counter[str] = collections.Counter()
        start = time.perf_counter()
        for event in events:
            decisions[process(event, settings, home).decision.value] += 1
        seconds = time.perf_counter() - start

    calls = sum(assumed.values())
    print(f"events {len(events)}  accounts {args.accounts}  seconds {seconds:.1f}")
    print(f"  per event {1000 * seconds / len(events):.2f} ms (moto in process)")
    print(f"  AssumeRole calls {calls} (most for one account: {max(assumed.values())})")
    print(f"  decisions {dict(sorted(decisions.items()))}")
    ok = calls == args.accounts and max(assumed.values()) == 1
    # prod (remediate): the first event per account reverts, the rest find it compliant;
    # dev (notify): every event would remediate.
    ok = ok and decisions["remediated"] == (args.accounts + 1) // 2
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
