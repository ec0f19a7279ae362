"""ebs-encryption against moto's in-memory EC2 and SNS, through real boto3 calls."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import load_event
from helpers import REGION, CallCounter, clients, inject_ec2_error, settings

from guardrails_runtime.handler import process
from guardrails_runtime.model import Decision, Mode

pytestmark = pytest.mark.usefixtures("aws")
ACCOUNT_IN_EVENTS = "210987654321"
CONFIG_RULE = {"guardrails-ebs-encryption-by-default": "ebs-encryption"}


def run(event: dict[str, Any], mode: Mode = Mode.REMEDIATE, **kwargs: Any) -> tuple[Any, Any]:
    c = clients()
    counter = CallCounter(c.get("ec2", REGION))
    return process(event, settings(mode, **kwargs), c), counter


def enabled(ec2: Any) -> bool:
    return bool(ec2.get_ebs_encryption_by_default()["EbsEncryptionByDefault"])


def test_switched_back_on_in_two_calls(ec2: Any) -> None:
    ec2.disable_ebs_encryption_by_default()
    outcome, counter = run(load_event("disable-ebs-encryption-by-default.json"))
    assert outcome.decision is Decision.REMEDIATED
    assert counter.calls == {"GetEbsEncryptionByDefault": 1, "EnableEbsEncryptionByDefault": 1}
    assert enabled(ec2)
    assert outcome.changes[0].undo == f"aws ec2 disable-ebs-encryption-by-default --region {REGION}"


def test_already_back_on_is_compliant_and_idempotent(ec2: Any) -> None:
    ec2.enable_ebs_encryption_by_default()
    outcome, counter = run(load_event("disable-ebs-encryption-by-default.json"))
    assert outcome.decision is Decision.COMPLIANT
    assert counter.calls == {"GetEbsEncryptionByDefault": 1}


def test_dry_run_changes_nothing(ec2: Any) -> None:
    ec2.disable_ebs_encryption_by_default()
    outcome, counter = run(load_event("disable-ebs-encryption-by-default.json"), Mode.NOTIFY)
    assert outcome.decision is Decision.WOULD_REMEDIATE
    assert counter.writes == [] and not enabled(ec2)


def test_exempt_account(ec2: Any) -> None:
    ec2.disable_ebs_encryption_by_default()
    outcome, counter = run(
        load_event("disable-ebs-encryption-by-default.json"),
        exempt_accounts=frozenset({ACCOUNT_IN_EVENTS}),
    )
    assert outcome.decision is Decision.EXEMPT
    assert counter.writes == [] and not enabled(ec2)


def test_access_denied_on_the_write(ec2: Any) -> None:
    ec2.disable_ebs_encryption_by_default()
    c = clients()
    inject_ec2_error(
        c.get("ec2", REGION), "EnableEbsEncryptionByDefault", "UnauthorizedOperation", 403, 1
    )
    outcome = process(load_event("disable-ebs-encryption-by-default.json"), settings(), c)
    assert outcome.decision is Decision.ERROR
    assert "access denied on EnableEbsEncryptionByDefault" in outcome.reason
    assert not enabled(ec2)


def test_config_noncompliant_account(ec2: Any) -> None:
    ec2.disable_ebs_encryption_by_default()
    outcome, _ = run(load_event("config-ebs-noncompliant.json"), config_rules=CONFIG_RULE)
    assert outcome.decision is Decision.REMEDIATED and enabled(ec2)
    event = load_event("config-ebs-noncompliant.json")
    event["detail"]["resourceType"] = "AWS::EC2::Volume"
    outcome, counter = run(event, config_rules=CONFIG_RULE)
    assert outcome.decision is Decision.UNSUPPORTED and counter.total == 0


def test_failed_and_own_calls_are_ignored(ec2: Any) -> None:
    ec2.disable_ebs_encryption_by_default()
    failed = load_event("disable-ebs-encryption-by-default.json") | {"errorCode": "AccessDenied"}
    own = json.loads(
        json.dumps(load_event("disable-ebs-encryption-by-default.json"))
        .replace("assumed-role/Operator", "assumed-role/Guardrails-Remediator")
        .replace("role/Operator", "role/Guardrails-Remediator")
    )
    role = f"arn:aws:iam::{ACCOUNT_IN_EVENTS}:role/Guardrails-Remediator"
    for event in (failed, own):
        outcome, counter = run(event, remediator_role_arn=role)
        assert outcome.decision is Decision.IGNORED and counter.total == 0
    assert not enabled(ec2)


def test_notification_says_how_to_exempt(ec2: Any, inbox: Any) -> None:
    ec2.disable_ebs_encryption_by_default()
    run(load_event("disable-ebs-encryption-by-default.json"), topic_arn=inbox.topic_arn)
    [message] = inbox.messages()
    assert message["policy"] == "ebs-encryption" and message["decision"] == "remediated"
    assert message["howToExempt"].startswith(
        f"add account {ACCOUNT_IN_EVENTS} to guardrails:exemptAccounts"
    )
    assert message["undo"] == [f"aws ec2 disable-ebs-encryption-by-default --region {REGION}"]
