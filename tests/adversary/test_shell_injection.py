"""Undo and exemption commands quote every argument (issue: shell injection on paste).

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
