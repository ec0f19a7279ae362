"""lambda-public-access, react plane: the real handler against moto's in-memory Lambda."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from conftest import load_event
from helpers import REGION, CallCounter, clients, config_event, settings, undo

from guardrails_runtime.aws import Clients
from guardrails_runtime.handler import process
from guardrails_runtime.ledger import table_spec
from guardrails_runtime.model import Decision, Mode
from guardrails_runtime.policies.lambda_public_access.emulate import create_function

pytestmark = pytest.mark.usefixtures("aws")
EXAMPLE = "add-permission-public.json"
NAME = "invoice-render"
RULE = {"guardrails-lambda-public-access": "lambda-public-access"}


@pytest.fixture
def fn() -> Any:
    return boto3.client("lambda", region_name=REGION)


def make(fn: Any, *grants: dict[str, str], name: str = NAME, **tags: str) -> None:
    create_function(Clients(), REGION, name, tags)
    for grant in grants:
        fn.add_permission(FunctionName=name, **grant)


PUBLIC = {"StatementId": "anyone", "Action": "lambda:InvokeFunction", "Principal": "*"}
SCOPED = {
    "StatementId": "bucket",
    "Action": "lambda:InvokeFunction",
    "Principal": "s3.amazonaws.com",
    "SourceArn": "arn:aws:s3:::uploads",
    "SourceAccount": "123456789012",
}
ORG = {
    "StatementId": "org",
    "Action": "lambda:InvokeFunction",
    "Principal": "*",
    "PrincipalOrgID": "o-a1b2c3d4e5",
}


def sids(fn: Any, name: str = NAME) -> list[str]:
    try:
        policy = json.loads(fn.get_policy(FunctionName=name)["Policy"])
    except fn.exceptions.ResourceNotFoundException:
        return []
    return sorted(s["Sid"] for s in policy["Statement"])


def run(event: dict[str, Any], mode: Mode = Mode.REMEDIATE, **kwargs: Any) -> tuple[Any, Any]:
    c = clients()
    counter = CallCounter(c.get("lambda", REGION))
    return process(event, settings(mode, **kwargs), c), counter


def test_only_the_public_statement_is_removed(fn: Any) -> None:
    make(fn, PUBLIC, SCOPED, ORG)
    outcome, counter = run(load_event(EXAMPLE))
    assert outcome.decision is Decision.REMEDIATED, outcome.reason
    assert outcome.rule == "GR-LMB1" and outcome.resource == NAME
    assert counter.writes == ["RemovePermission"]
    assert sids(fn) == ["bucket", "org"]
    [change] = outcome.changes
    assert change.undo_call is not None and change.undo_call.params == {
        "FunctionName": NAME,
        "StatementId": "anyone",
        "Action": "lambda:InvokeFunction",
        "Principal": "*",
    }


def test_scoped_grants_are_compliant(fn: Any) -> None:
    make(fn, SCOPED, ORG)
    outcome, counter = run(load_event(EXAMPLE))
    assert outcome.decision is Decision.COMPLIANT and counter.writes == []


def test_a_public_function_url_is_notified_never_changed(fn: Any) -> None:
    make(fn)
    fn.create_function_url_config(FunctionName=NAME, AuthType="NONE")
    fn.add_permission(
        FunctionName=NAME,
        StatementId="url",
        Action="lambda:InvokeFunctionUrl",
        Principal="*",
        FunctionUrlAuthType="NONE",
    )
    event = load_event(EXAMPLE)
    event["eventName"] = "CreateFunctionUrlConfig20211031"
    event["requestParameters"] = {"functionName": NAME, "authType": "NONE"}
    outcome, counter = run(event)
    assert outcome.decision is Decision.NOTIFIED and outcome.rule == "GR-LMB2"
    assert counter.writes == [] and sids(fn) == ["url"]
    assert fn.get_function_url_config(FunctionName=NAME)["AuthType"] == "NONE"


def test_notify_mode_and_exemption(fn: Any) -> None:
    make(fn, PUBLIC)
    outcome, counter = run(load_event(EXAMPLE), Mode.NOTIFY)
    assert outcome.decision is Decision.WOULD_REMEDIATE and counter.writes == []
    make(fn, PUBLIC, name="webhook", SecurityExemption="true")
    event = load_event(EXAMPLE)
    event["requestParameters"]["functionName"] = "webhook"
    outcome, counter = run(event)
    assert outcome.decision is Decision.EXEMPT and counter.writes == [] and sids(fn, "webhook")


def test_config_evaluation_routes_to_the_fix(fn: Any) -> None:
    make(fn, PUBLIC)
    event = config_event(NAME, "AWS::Lambda::Function", "guardrails-lambda-public-access")
    outcome, _ = run(event, config_rules=RULE)
    assert outcome.decision is Decision.REMEDIATED and sids(fn) == []


def test_a_deleted_function_and_a_malformed_record() -> None:
    outcome, counter = run(load_event(EXAMPLE))
    assert outcome.decision is Decision.COMPLIANT and counter.writes == []
    event = load_event(EXAMPLE)
    event["requestParameters"] = {"principal": "*"}
    outcome, counter = run(event)
    assert outcome.decision is Decision.UNSUPPORTED and counter.total == 0


def test_undo_adds_the_statement_again(fn: Any) -> None:
    boto3.client("dynamodb", region_name=REGION).create_table(**table_spec("ledger"))
    make(fn, PUBLIC)
    outcome = process(load_event(EXAMPLE), settings(ledger_table="ledger"), clients())
    assert outcome.decision is Decision.REMEDIATED and sids(fn) == []
    done = undo(outcome)
    assert done["results"] == ["restored"] and sids(fn) == ["anyone"]
