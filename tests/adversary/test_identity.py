"""Borrowing the guardrail's identity (issue 13, item 4).

Calls made under the remediation role's *name* were ignored as the guardrail's own,
whatever the account or session. Now only the exact role ARN, in the Lambda's own role
session (named after the function), is the guardrail.
"""

from __future__ import annotations

from typing import Any

import pytest
from helpers import SSH_MIXED, clients, new_group, open_and_record, settings

from guardrails_runtime.events import ApiCall
from guardrails_runtime.handler import process
from guardrails_runtime.model import Decision

ROLE = "arn:aws:iam::123456789012:role/service/guardrails-RemediationRole"
FUNCTION = "guardrails-remediator"


def call(arn: str, issuer: str | None = None) -> ApiCall:
    identity: dict[str, Any] = {"type": "AssumedRole", "arn": arn}
    if issuer:
        identity["sessionContext"] = {"sessionIssuer": {"type": "Role", "arn": issuer}}
    return ApiCall("X", "ec2.amazonaws.com", None, None, None, None, None, identity, {}, {})


@pytest.mark.parametrize(
    ("arn", "issuer", "ours"),
    [
        # the guardrail itself: exact role (with its path), its function's session
        (
            f"arn:aws:sts::123456789012:assumed-role/guardrails-RemediationRole/{FUNCTION}",
            ROLE,
            True,
        ),
        (
            f"arn:aws:sts::123456789012:assumed-role/guardrails-RemediationRole/{FUNCTION}",
            None,
            True,
        ),
        # same role, another session: someone who may assume the role
        ("arn:aws:sts::123456789012:assumed-role/guardrails-RemediationRole/mallory", ROLE, False),
        # a role of the same name in another account
        (
            f"arn:aws:sts::999999999999:assumed-role/guardrails-RemediationRole/{FUNCTION}",
            "arn:aws:iam::999999999999:role/service/guardrails-RemediationRole",
            False,
        ),
        (
            f"arn:aws:sts::999999999999:assumed-role/guardrails-RemediationRole/{FUNCTION}",
            None,
            False,
        ),
        # an IAM user, another role
        ("arn:aws:iam::123456789012:user/guardrails-RemediationRole", None, False),
        ("arn:aws:sts::123456789012:assumed-role/Developer/dana", None, False),
    ],
)
def test_only_the_exact_role_in_the_functions_session_is_the_guardrail(
    arn: str, issuer: str | None, ours: bool
) -> None:
    assert call(arn, issuer).made_by_role(ROLE, FUNCTION) is ours


def test_without_a_known_session_the_exact_role_still_counts() -> None:
    """Outside Lambda (replay) the session is unknown: the exact role ARN decides."""
    other_session = "arn:aws:sts::123456789012:assumed-role/guardrails-RemediationRole/x"
    assert call(other_session, ROLE).made_by_role(ROLE)
    other_account = "arn:aws:sts::999999999999:assumed-role/guardrails-RemediationRole/x"
    assert not call(other_account).made_by_role(ROLE)


@pytest.mark.usefixtures("aws")
@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:sts::123456789012:assumed-role/guardrails-RemediationRole/mallory",
        f"arn:aws:sts::999999999999:assumed-role/guardrails-RemediationRole/{FUNCTION}",
    ],
)
def test_ssh_opened_under_a_borrowed_identity_is_reverted(ec2: Any, arn: str) -> None:
    gid = new_group(ec2)
    event = open_and_record(ec2, gid, SSH_MIXED)
    detail = event.get("detail", event)
    detail["userIdentity"] = {"type": "AssumedRole", "arn": arn}
    cfg = settings(remediator_role_arn=ROLE, remediator_session=FUNCTION)
    outcome = process(event, cfg, clients())
    assert outcome.decision is Decision.REMEDIATED, outcome.reason
    assert outcome.actor == arn
