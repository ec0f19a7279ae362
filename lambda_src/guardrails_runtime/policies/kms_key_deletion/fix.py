"""Reactive plane of ``kms-key-deletion``: cancel a scheduled key deletion.

Trigger: a successful ``ScheduleKeyDeletion`` (the key from the request), or a
NON_COMPLIANT evaluation of ``KMS_CMK_NOT_SCHEDULED_FOR_DELETION`` (its resource id is the
key id). Reads ``DescribeKey`` and ``ListResourceTags``; when the key is still pending
deletion and not exempt: ``CancelKeyDeletion``, then ``EnableKey``.
"""

from __future__ import annotations

import math
import time
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from guardrails_runtime.adapters.kms_key import KmsKey, from_api, key_from_cloudtrail
from guardrails_runtime.aws import error_code
from guardrails_runtime.events import ApiCall
from guardrails_runtime.model import Change, Decision, Outcome, UndoCall
from guardrails_runtime.policies.kms_key_deletion.policy import evaluate
from guardrails_runtime.policies.kms_key_deletion.spec import SPEC
from guardrails_runtime.remediations.base import Context, OneResource, enforce, tag_exemption
from guardrails_runtime.shell import command, region_args

# KMS's bounds of a deletion's waiting period, in days.
MIN_WINDOW, MAX_WINDOW = 7, 30


class KmsKeyDeletionRemediation(OneResource):
    """``CancelKeyDeletion`` then ``EnableKey``."""

    spec = SPEC

    missing = "requestParameters.keyId must name the KMS key"
    tagging = ("kms", "tag-resource", "--key-id", "{resource}", "--tags", "{tag}")
    tag = "TagKey={key},TagValue={value}"

    def named(self, call: ApiCall) -> str | None:
        return key_from_cloudtrail(call.request, call.response)

    def enforce_on(self, ctx: Context, outcome: Outcome, key_id: str) -> Outcome:
        kms = ctx.clients.get("kms", outcome.region)
        key = _describe(kms, key_id)
        if key is None:
            outcome.resource = key_id
            outcome.decision = Decision.COMPLIANT
            outcome.reason = f"KMS key {key_id} no longer exists"
            return outcome
        outcome.resource, outcome.resource_arn = key.key_id, key.arn
        violations = evaluate(key)
        if not violations:
            outcome.decision = Decision.COMPLIANT
            outcome.reason = f"the KMS key is {key.state} ({key.manager} managed)"
            return outcome
        outcome.rule = violations[0].rule
        why = f"the KMS key is scheduled for deletion ({violations[0].message})"
        window = _days_left(key)
        outcome.changes = [
            Change(
                "kms:CancelKeyDeletion+EnableKey",
                key.key_id,
                {"keyState": {"before": key.state, "after": "Enabled"}},
                command(
                    "aws",
                    "kms",
                    "schedule-key-deletion",
                    *region_args(outcome.region),
                    "--key-id",
                    key.key_id,
                    "--pending-window-in-days",
                    str(window),
                ),
                UndoCall(
                    "kms",
                    "schedule_key_deletion",
                    {"KeyId": key.key_id, "PendingWindowInDays": window},
                ),
            )
        ]
        exempt = tag_exemption(ctx.settings, dict(key.tags), "KMS key", outcome)

        def act() -> str:
            kms.cancel_key_deletion(KeyId=key.key_id)
            kms.enable_key(KeyId=key.key_id)
            return "deletion cancelled and the key enabled again"

        return enforce(outcome, ctx, why=why, exempt=exempt, act=act)


def _describe(kms: Any, key_id: str) -> KmsKey | None:
    try:
        metadata = kms.describe_key(KeyId=key_id)["KeyMetadata"]
    except ClientError as exc:
        if error_code(exc) == "NotFoundException":
            return None
        raise
    tags: list[Any] = []
    if metadata.get("KeyManager") != "AWS":
        paginator = kms.get_paginator("list_resource_tags")
        for page in paginator.paginate(KeyId=metadata["KeyId"]):
            tags.extend(page.get("Tags") or [])
    return from_api(metadata, tags)


def _days_left(key: KmsKey) -> int:
    """The waiting period left, in whole days within KMS's bounds (undo's window)."""
    if not key.deletion_date:
        return MAX_WINDOW
    left = datetime.fromisoformat(key.deletion_date).timestamp() - time.time()
    return max(MIN_WINDOW, min(MAX_WINDOW, math.ceil(left / 86400)))
