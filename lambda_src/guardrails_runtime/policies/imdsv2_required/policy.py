"""Policy ``imdsv2-required``: pure logic over :class:`InstanceMetadata` facts."""

from __future__ import annotations

from guardrails_runtime.adapters.ec2_instance import REQUIRED, InstanceMetadata
from guardrails_runtime.model import PolicyOptions, Unresolved, Violation


def evaluate(meta: InstanceMetadata, options: PolicyOptions | None = None) -> list[Violation]:
    """GR-IMDS1 when IMDSv1 stays allowed; GR-IMDS2 when it cannot be told."""
    if meta.endpoint == "disabled" or meta.tokens == REQUIRED:
        return []  # no metadata service at all, or tokens required
    if isinstance(meta.tokens, Unresolved):
        return [Violation("GR-IMDS2", meta.tokens.why, meta.tokens.where or meta.where)]
    if meta.tokens is None and meta.template == "file":
        return []  # the launch template of the same file is judged itself
    if meta.tokens is None and meta.template:
        return [
            Violation(
                "GR-IMDS2",
                f"metadata options come from launch template {meta.template}, outside the file",
                meta.where,
            )
        ]
    if meta.tokens is None:
        return [
            Violation(
                "GR-IMDS1",
                f"{meta.where} is absent: EC2 then allows IMDSv1 unless the AMI or the "
                "account default requires tokens",
                meta.where,
            )
        ]
    return [Violation("GR-IMDS1", f"{meta.where} is {meta.tokens!r}, not 'required'", meta.where)]
