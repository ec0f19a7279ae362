"""Registry of remediations: one module per policy, listed here once.

Adding a policy's reactive plane means adding its module and one line to
``REMEDIATIONS``; the handler, the CDK IAM role and the event patterns read this table.
"""

from __future__ import annotations

from guardrails_runtime.remediations.base import Context, IamGrant, Remediation
from guardrails_runtime.remediations.cloudtrail_enabled import CloudTrailRemediation
from guardrails_runtime.remediations.ebs_encryption import EbsEncryptionRemediation
from guardrails_runtime.remediations.s3_encryption import S3EncryptionRemediation
from guardrails_runtime.remediations.s3_public_access import S3PublicAccessRemediation
from guardrails_runtime.remediations.sg_open_ingress import SecurityGroupIngressRemediation

REMEDIATIONS: tuple[Remediation, ...] = (
    SecurityGroupIngressRemediation(),
    EbsEncryptionRemediation(),
    S3EncryptionRemediation(),
    CloudTrailRemediation(),
    S3PublicAccessRemediation(),
)

__all__ = ["REMEDIATIONS", "Context", "IamGrant", "Remediation", "by_event", "by_policy"]


def by_event(event_source: str, event_name: str) -> Remediation | None:
    """The remediation triggered by a CloudTrail event, or None."""
    for remediation in REMEDIATIONS:
        if remediation.event_source == event_source and (
            event_name in remediation.event_names or event_name in remediation.ignored_events
        ):
            return remediation
    return None


def by_policy(policy: str) -> Remediation | None:
    """The remediation of a policy, or None."""
    for remediation in REMEDIATIONS:
        if remediation.policy == policy:
            return remediation
    return None
