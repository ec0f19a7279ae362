"""Reactive plane of ``ssm-document-public``: remove ``All`` from a document's share list.

Trigger: a successful ``ModifyDocumentPermission`` (the document from the request), or a
NON_COMPLIANT evaluation of ``SSM_DOCUMENT_NOT_PUBLIC`` (its resource id is the document
name). Two reads (``DescribeDocumentPermission``, ``ListTagsForResource``); when ``All``
is there and the document is not exempt, one write: ``ModifyDocumentPermission
AccountIdsToRemove=["All"]``.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from guardrails_runtime.adapters.ssm_document import (
    PUBLIC,
    SsmDocument,
    from_api,
    name_from_cloudtrail,
)
from guardrails_runtime.aws import error_code
from guardrails_runtime.events import ApiCall
from guardrails_runtime.model import Change, Decision, Outcome, UndoCall
from guardrails_runtime.policies.ssm_document_public.policy import evaluate
from guardrails_runtime.policies.ssm_document_public.spec import SPEC
from guardrails_runtime.remediations.base import Context, OneResource, enforce, tag_exemption
from guardrails_runtime.shell import command, region_args

SHARE = "Share"


class SsmDocumentPublicRemediation(OneResource):
    """``ModifyDocumentPermission`` removing ``All`` only."""

    spec = SPEC

    missing = "requestParameters.name must name the document"
    tagging = (
        "ssm",
        "add-tags-to-resource",
        "--resource-type",
        "Document",
        "--resource-id",
        "{resource}",
        "--tags",
        "{tag}",
    )

    def named(self, call: ApiCall) -> str | None:
        return name_from_cloudtrail(call.request)

    def enforce_on(self, ctx: Context, outcome: Outcome, name: str) -> Outcome:
        ssm = ctx.clients.get("ssm", outcome.region)
        outcome.resource = name
        document = _describe(ssm, name)
        if document is None:
            outcome.decision = Decision.COMPLIANT
            outcome.reason = f"document {name} no longer exists"
            return outcome
        violations = evaluate(document)
        if not violations:
            shared = ", ".join(document.accounts) or "no other account"
            outcome.decision = Decision.COMPLIANT
            outcome.reason = f"the document is not public (shared with {shared})"
            return outcome
        outcome.rule = violations[0].rule
        why = f"the SSM document is public ({violations[0].message})"
        outcome.changes = [
            Change(
                "ssm:ModifyDocumentPermission",
                name,
                {"removed": {"accountId": PUBLIC}, "kept": list(document.accounts)},
                command(
                    "aws",
                    "ssm",
                    "modify-document-permission",
                    *region_args(outcome.region),
                    "--name",
                    name,
                    "--permission-type",
                    SHARE,
                    "--account-ids-to-add",
                    PUBLIC,
                ),
                UndoCall(
                    "ssm",
                    "modify_document_permission",
                    {"Name": name, "PermissionType": SHARE, "AccountIdsToAdd": [PUBLIC]},
                ),
            )
        ]
        exempt = tag_exemption(ctx.settings, dict(document.tags), "document", outcome)

        def act() -> str:
            ssm.modify_document_permission(
                Name=name, PermissionType=SHARE, AccountIdsToRemove=[PUBLIC]
            )
            kept = (
                f"; still shared with {', '.join(document.accounts)}" if document.accounts else ""
            )
            return f"'All' was removed from the share permission{kept}"

        return enforce(outcome, ctx, why=why, exempt=exempt, act=act)


def _describe(ssm: Any, name: str) -> SsmDocument | None:
    try:
        permission = ssm.describe_document_permission(Name=name, PermissionType=SHARE)
        tags = ssm.list_tags_for_resource(ResourceType="Document", ResourceId=name)
    except ClientError as exc:
        if error_code(exc) == "InvalidDocument":
            return None
        raise
    return from_api(name, permission.get("AccountIds") or [], tags.get("TagList"))
