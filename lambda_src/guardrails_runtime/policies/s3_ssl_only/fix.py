"""Reactive plane of ``s3-ssl-only``: add the statement that denies plain HTTP (opt-in).

Trigger: a successful ``DeleteBucketPolicy`` or ``PutBucketPolicy``, or a NON_COMPLIANT
evaluation of ``S3_BUCKET_SSL_REQUESTS_ONLY``. Reads ``GetBucketPolicy`` and
``GetBucketTagging``; one write (``PutBucketPolicy``) keeping every statement and adding
the deny.
"""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from guardrails_runtime.adapters.s3_bucket import from_api, name_from_cloudtrail
from guardrails_runtime.aws import error_code, partition_for
from guardrails_runtime.documents import tls_of
from guardrails_runtime.events import ApiCall, ComplianceChange
from guardrails_runtime.model import Change, Decision, Outcome, UndoCall
from guardrails_runtime.policies.s3_ssl_only.policy import evaluate
from guardrails_runtime.policies.s3_ssl_only.spec import SPEC
from guardrails_runtime.remediations.base import Context, Remediation, enforce, tag_exemption
from guardrails_runtime.shell import command

SID = "GuardrailsDenyInsecureTransport"
NO_POLICY = "NoSuchBucketPolicy"


class S3SslOnlyRemediation(Remediation):
    """``PutBucketPolicy`` with the TLS deny added."""

    spec = SPEC

    def on_api_call(self, call: ApiCall, ctx: Context, outcome: Outcome) -> Outcome:
        return self._enforce(ctx, outcome, name_from_cloudtrail(call.request))

    def on_compliance_change(
        self, change: ComplianceChange, ctx: Context, outcome: Outcome
    ) -> Outcome:
        return self._enforce(ctx, outcome, change.resource_id)

    def _enforce(self, ctx: Context, outcome: Outcome, bucket: str) -> Outcome:
        s3 = ctx.clients.get("s3", outcome.region)
        outcome.resource = bucket
        read = _read(s3, bucket)
        if read is None:
            outcome.decision = Decision.COMPLIANT
            outcome.reason = f"bucket {bucket} no longer exists"
            return outcome
        before, tags = read
        facts = from_api(policy=before)
        violations = evaluate(facts._replace(tls=tls_of(facts.policy)))
        if not violations:
            outcome.decision = Decision.COMPLIANT
            outcome.reason = "the bucket policy denies requests without TLS"
            return outcome
        outcome.rule = violations[0].rule
        why = f"the bucket accepts plain HTTP ({violations[0].message})"
        after = _with_deny(before, bucket, outcome.region)
        undo = (
            UndoCall("s3", "put_bucket_policy", {"Bucket": bucket, "Policy": before})
            if before
            else UndoCall("s3", "delete_bucket_policy", {"Bucket": bucket})
        )
        outcome.changes = [
            Change(
                "s3:PutBucketPolicy",
                bucket,
                {"added": SID, "after": after},
                command("aws", "s3api", "put-bucket-policy", "--bucket", bucket, "--policy", before)
                if before
                else command("aws", "s3api", "delete-bucket-policy", "--bucket", bucket),
                undo,
            )
        ]
        exempt = tag_exemption(ctx.settings, tags, "bucket", outcome)

        def act() -> str:
            s3.put_bucket_policy(Bucket=bucket, Policy=after)
            return f"statement {SID} added to the bucket policy"

        return enforce(outcome, ctx, why=why, exempt=exempt, act=act)


def _with_deny(before: str | None, bucket: str, region: str | None) -> str:
    document: dict[str, Any] = json.loads(before) if before else {"Version": "2012-10-17"}
    found = document.get("Statement")
    statements = found if isinstance(found, list) else [found] if found else []
    arn = f"arn:{partition_for(region)}:s3:::{bucket}"
    deny = {
        "Sid": SID,
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [arn, f"{arn}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    return json.dumps(document | {"Statement": [*statements, deny]}, separators=(",", ":"))


def _read(s3: Any, bucket: str) -> tuple[str | None, list[Any]] | None:
    try:
        policy: str | None = s3.get_bucket_policy(Bucket=bucket).get("Policy")
    except ClientError as exc:
        if error_code(exc) == "NoSuchBucket":
            return None
        if error_code(exc) != NO_POLICY:
            raise
        policy = None
    try:
        tags = s3.get_bucket_tagging(Bucket=bucket).get("TagSet") or []
    except ClientError as exc:
        if error_code(exc) not in ("NoSuchTagSet", "NoSuchTagSetError"):
            raise
        tags = []
    return policy, tags
