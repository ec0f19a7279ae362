"""ssm-document-public, react plane: the real handler against moto's in-memory SSM."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from conftest import load_event
from helpers import REGION, CallCounter, clients, config_event, settings, undo

from guardrails_runtime.handler import process
from guardrails_runtime.ledger import table_spec
from guardrails_runtime.model import Decision, Mode
from guardrails_runtime.policies.ssm_document_public.emulate import CONTENT

pytestmark = pytest.mark.usefixtures("aws")
EXAMPLE = "share-document-public.json"
PARTNER = "109876543210"
RULE = {"guardrails-ssm-document-public": "ssm-document-public"}


@pytest.fixture
def ssm() -> Any:
    return boto3.client("ssm", region_name=REGION)


def make(ssm: Any, name: str, *accounts: str, **tags: str) -> None:
    ssm.create_document(
        Content=json.dumps(CONTENT),
        Name=name,
        DocumentType="Command",
        Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
    )
    if accounts:
        ssm.modify_document_permission(
            Name=name, PermissionType="Share", AccountIdsToAdd=list(accounts)
        )


def shared(ssm: Any, name: str) -> list[str]:
    return sorted(ssm.describe_document_permission(Name=name, PermissionType="Share")["AccountIds"])


def event_for(name: str) -> dict[str, Any]:
    event = load_event(EXAMPLE)
    event["requestParameters"]["name"] = name
    return event


def run(event: dict[str, Any], mode: Mode = Mode.REMEDIATE, **kwargs: Any) -> tuple[Any, Any]:
    c = clients()
    counter = CallCounter(c.get("ssm", REGION))
    return process(event, settings(mode, **kwargs), c), counter


def test_only_all_is_removed(ssm: Any) -> None:
    make(ssm, "doc", "All", PARTNER)
    outcome, counter = run(event_for("doc"))
    assert outcome.decision is Decision.REMEDIATED, outcome.reason
    assert outcome.rule == "GR-SSM1" and outcome.resource == "doc"
    assert counter.writes == ["ModifyDocumentPermission"]
    assert shared(ssm, "doc") == [PARTNER]


def test_named_accounts_only_is_compliant(ssm: Any) -> None:
    make(ssm, "doc", PARTNER)
    outcome, counter = run(event_for("doc"))
    assert outcome.decision is Decision.COMPLIANT and counter.writes == []


def test_notify_mode_and_exemption_change_nothing(ssm: Any) -> None:
    make(ssm, "doc", "All")
    outcome, counter = run(event_for("doc"), Mode.NOTIFY)
    assert outcome.decision is Decision.WOULD_REMEDIATE and counter.writes == []
    make(ssm, "kept", "All", SecurityExemption="true")
    outcome, counter = run(event_for("kept"))
    assert outcome.decision is Decision.EXEMPT and counter.writes == []
    assert shared(ssm, "kept") == ["All"]


def test_config_evaluation_routes_to_the_fix(ssm: Any) -> None:
    make(ssm, "doc", "All")
    event = config_event("doc", "AWS::SSM::Document", "guardrails-ssm-document-public")
    outcome, _ = run(event, config_rules=RULE)
    assert outcome.decision is Decision.REMEDIATED and shared(ssm, "doc") == []


def test_a_deleted_document_and_a_malformed_record() -> None:
    outcome, counter = run(event_for("gone"))
    assert outcome.decision is Decision.COMPLIANT and counter.writes == []
    event = load_event(EXAMPLE)
    event["requestParameters"] = {"permissionType": "Share"}
    outcome, counter = run(event)
    assert outcome.decision is Decision.UNSUPPORTED and counter.total == 0


def test_undo_shares_it_again(ssm: Any) -> None:
    boto3.client("dynamodb", region_name=REGION).create_table(**table_spec("ledger"))
    make(ssm, "doc", "All")
    outcome = process(event_for("doc"), settings(ledger_table="ledger"), clients())
    assert outcome.decision is Decision.REMEDIATED
    done = undo(outcome)
    assert done["results"] == ["restored"]
    assert shared(ssm, "doc") == ["All"]
