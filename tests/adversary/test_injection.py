"""Injection through resource text: CLI commands to paste, and chat messages.

Text an attacker controls (a rule description, a trail name, an ACL grantee's display
name) ends up in AWS CLI commands that operators paste. Each test builds a command from
hostile text and requires ``shlex.split`` to give back exactly the original values, with
nothing that a shell would run.
"""

from __future__ import annotations

import json
import shlex
from typing import Any

import pytest
from helpers import clients, new_group, open_and_record, settings

from guardrails_runtime.handler import process
from guardrails_runtime.model import Decision
from guardrails_runtime.shell import command

HOSTILE = [
    "x' ; touch /tmp/p ; echo '",
    "$(touch /tmp/p)",
    "`touch /tmp/p`",
    "line one\nline two; rm -rf ~",
    'double " quote and \\ backslash',
    "naïve \u2013 ünïcode ✓",
    "",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_command_round_trips_hostile_text(text: str) -> None:
    built = command("aws", "ec2", "create-tags", "--tags", f"Key=k,Value={text}", text)
    assert shlex.split(built) == [
        "aws",
        "ec2",
        "create-tags",
        "--tags",
        f"Key=k,Value={text}",
        text,
    ]


@pytest.mark.usefixtures("aws")
@pytest.mark.parametrize("text", [t for t in HOSTILE if t])
def test_security_group_undo_command_keeps_the_description_inert(ec2: Any, text: str) -> None:
    gid = new_group(ec2)
    permissions = [
        {
            "IpProtocol": "tcp",
            "FromPort": 22,
            "ToPort": 22,
            "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": text}],
        }
    ]
    outcome = process(open_and_record(ec2, gid, permissions), settings(), clients())
    assert outcome.decision is Decision.REMEDIATED
    [change] = outcome.changes
    argv = shlex.split(change.undo)
    assert argv[:3] == ["aws", "ec2", "authorize-security-group-ingress"]
    restored = json.loads(argv[argv.index("--ip-permissions") + 1])
    assert restored[0]["IpRanges"][0]["Description"] == text
    assert argv[argv.index("--group-id") + 1] == gid


@pytest.mark.usefixtures("aws")
def test_exemption_command_of_a_notification_is_quoted(ec2: Any) -> None:
    from guardrails_runtime.notify import record

    gid = new_group(ec2)
    permissions = [
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
    ]
    hostile_settings = settings(exemption_tag_key="Skip $(id)", exemption_tag_value="yes; rm")
    outcome = process(open_and_record(ec2, gid, permissions), hostile_settings, clients())
    hint = record(outcome, hostile_settings, None)["howToExempt"]
    argv = shlex.split(hint)
    assert argv[argv.index("--tags") + 1] == "Key=Skip $(id),Value=yes; rm"


@pytest.mark.usefixtures("aws")
def test_chat_markup_from_a_bucket_policy_is_inert() -> None:
    """A Sid is free text: it must not ping a channel, add a link or format the message."""
    import boto3
    from conftest import REGION

    from guardrails_runtime.notify import decode, message

    s3 = boto3.client("s3", region_name=REGION)
    bucket = "example-assets-210987654321"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    sid = "<!channel> *urgent* `rm` <https://evil.example|click> [here](https://evil.example)"
    s3.put_bucket_policy(
        Bucket=bucket,
        Policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": sid,
                        "Effect": "Allow",
                        "Principal": "*",
                        "Action": "s3:GetObject",
                        "Resource": f"arn:aws:s3:::{bucket}/*",
                    }
                ],
            }
        ),
    )
    event = {
        "eventSource": "s3.amazonaws.com",
        "eventName": "PutBucketPolicy",
        "awsRegion": REGION,
        "eventID": "0d0e0f10-0000-4000-8000-000000000042",
        "recipientAccountId": "210987654321",
        "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::210987654321:user/x"},
        "requestParameters": {"bucketName": bucket},
    }
    outcome = process(event, settings(), clients())
    assert outcome.decision is Decision.NOTIFIED and "<!channel>" in outcome.reason
    rendered = message(outcome, settings(), None)["content"]
    text = rendered["title"] + rendered["description"] + "".join(rendered["nextSteps"])
    for raw in ("<!channel>", "<https://", "*urgent*", "`rm`", "](https"):
        assert raw not in text, raw
    assert "&lt;!channel&gt;" in rendered["description"]
    # The record for machines keeps the exact text.
    assert "<!channel>" in decode(message(outcome, settings(), None))["reason"]
