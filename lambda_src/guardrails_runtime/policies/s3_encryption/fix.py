"""Reactive plane of ``s3-encryption``: restore a bucket's default encryption.

Trigger: a successful ``DeleteBucketEncryption`` or ``PutBucketEncryption`` call, or a
NON_COMPLIANT evaluation of ``S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED``. The live
configuration is read (``GetBucketEncryption``) and judged by the same policy function as
the static plane; only a violation costs a second read (``GetBucketTagging``, for the
exemption tag) and the write (``PutBucketEncryption`` with the configured default: SSE-S3,
or SSE-KMS with ``GUARDRAILS_S3_KMS_KEY`` and a bucket key when KMS is required).

Since January 2023 ``DeleteBucketEncryption`` leaves a bucket on SSE-S3, which passes
unless KMS is required; a bucket reported without any configuration (older behaviour,
and moto's) is restored to the default.
"""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from guardrails_runtime.adapters.s3_bucket import from_api, name_from_cloudtrail
from guardrails_runtime.aws import bucket_tags, error_code, partition_for
from guardrails_runtime.events import ApiCall, ComplianceChange
from guardrails_runtime.model import Change, Decision, Outcome, UndoCall, Unresolved
from guardrails_runtime.policies.s3_encryption.policy import evaluate
from guardrails_runtime.policies.s3_encryption.spec import SPEC
from guardrails_runtime.remediations.base import (
    Context,
    Remediation,
    enforce,
    tag_exemption,
)
from guardrails_runtime.settings import RuntimeSettings
from guardrails_runtime.shell import command

NOT_CONFIGURED = "ServerSideEncryptionConfigurationNotFoundError"
GONE_CODES = frozenset({"NoSuchBucket"})


class S3EncryptionRemediation(Remediation):
    """Put the configured default encryption back on a bucket that lost it."""

    spec = SPEC

    def on_api_call(self, call: ApiCall, ctx: Context, outcome: Outcome) -> Outcome:
        bucket = name_from_cloudtrail(call.request)
        return self._enforce(bucket, ctx, outcome)

    def on_compliance_change(
        self, change: ComplianceChange, ctx: Context, outcome: Outcome
    ) -> Outcome:
        return self._enforce(change.resource_id, ctx, outcome)

    def exemption_hint(self, outcome: Outcome, settings: RuntimeSettings) -> str | None:
        return (
            f"tag bucket {outcome.resource} with {settings.exemption_tag_key}="
            f"{settings.exemption_tag_value} (aws s3api put-bucket-tagging replaces the "
            "whole tag set: include the bucket's other tags)"
        )

    def _enforce(self, bucket: str, ctx: Context, outcome: Outcome) -> Outcome:
        s3 = ctx.clients.get("s3", outcome.region)
        outcome.resource = bucket
        outcome.resource_arn = f"arn:{partition_for(outcome.region)}:s3:::{bucket}"
        try:
            live = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]
        except ClientError as exc:
            if error_code(exc) in GONE_CODES:
                outcome.decision = Decision.COMPLIANT
                outcome.reason = f"bucket {bucket} no longer exists"
                return outcome
            if error_code(exc) != NOT_CONFIGURED:
                raise
            live = None
        # Read live, "none configured" is a configuration without rules: a violation (the
        # bucket lost its encryption), unlike a template that leaves it to AWS's default.
        facts = from_api(encryption=live or {})
        violations = evaluate(facts, ctx.settings.policy_options())
        if not violations:
            outcome.decision = Decision.COMPLIANT
            rules = () if isinstance(facts.encryption, Unresolved) else facts.encryption or ()
            outcome.reason = f"default encryption is {', '.join(str(a) for _, a in rules)}"
            return outcome
        outcome.rule = violations[0].rule
        why = "the bucket has no default encryption" if live is None else violations[0].message
        wanted = default_configuration(ctx.settings)
        outcome.changes = [
            Change(
                "s3:PutEncryptionConfiguration",
                bucket,
                {"before": live, "after": wanted},
                *undo(bucket, live),
            )
        ]

        def act() -> str:
            s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration=wanted)
            algorithm = wanted["Rules"][0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"]
            return f"default encryption restored to {algorithm}"

        exempt = tag_exemption(ctx.settings, bucket_tags(s3, bucket), "bucket", outcome)
        return enforce(outcome, ctx, why=why, exempt=exempt, act=act)


def default_configuration(settings: RuntimeSettings) -> dict[str, Any]:
    """The encryption the guardrail restores: SSE-KMS when required, else SSE-S3."""
    if settings.require_kms:
        default: dict[str, Any] = {"SSEAlgorithm": "aws:kms"}
        if settings.s3_kms_key:
            default["KMSMasterKeyID"] = settings.s3_kms_key
        return {
            "Rules": [{"ApplyServerSideEncryptionByDefault": default, "BucketKeyEnabled": True}]
        }
    return {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]}


def undo(bucket: str, before: dict[str, Any] | None) -> tuple[str, UndoCall]:
    """The AWS CLI command and the API call that put ``before`` back (None: delete)."""
    if not before:
        return (
            command("aws", "s3api", "delete-bucket-encryption", "--bucket", bucket),
            UndoCall("s3", "delete_bucket_encryption", {"Bucket": bucket}),
        )
    body = json.dumps(before, separators=(",", ":"), sort_keys=True)
    return (
        command(
            "aws",
            "s3api",
            "put-bucket-encryption",
            "--bucket",
            bucket,
            "--server-side-encryption-configuration",
            body,
        ),
        UndoCall(
            "s3",
            "put_bucket_encryption",
            {"Bucket": bucket, "ServerSideEncryptionConfiguration": before},
        ),
    )
