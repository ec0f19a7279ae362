"""Policy ``default-sg-closed``: pure logic over :class:`DefaultGroup` facts."""

from __future__ import annotations

from guardrails_runtime.adapters.ec2_default_group import DefaultGroup
from guardrails_runtime.model import PolicyOptions, Violation


def evaluate(group: DefaultGroup, options: PolicyOptions | None = None) -> list[Violation]:
    """GR-DSG1 when a VPC's default group holds any rule."""
    if not group.is_default or not group.rules:
        return []
    inbound = sum(1 for r in group.rules if not r.egress)
    outbound = len(group.rules) - inbound
    return [
        Violation(
            "GR-DSG1",
            f"the VPC's default security group holds {inbound} inbound and {outbound} "
            "outbound rule(s)",
            "SecurityGroupRules",
        )
    ]
