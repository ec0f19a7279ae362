"""Policy ``default-sg-closed``: pure logic over a default group's facts.

The live plane reads the group itself (:class:`DefaultGroup`); templates and plans only
show rule resources and blocks that name a default group (the security-group adapter's
:class:`Ingress` facts, ``on_default_group``).
"""

from __future__ import annotations

from guardrails_runtime.adapters.ec2_default_group import DefaultGroup
from guardrails_runtime.adapters.ec2_security_group import Ingress
from guardrails_runtime.model import PolicyOptions, Unresolved, Violation


def evaluate(
    group: DefaultGroup | Ingress, options: PolicyOptions | None = None
) -> list[Violation]:
    """GR-DSG1 when a VPC's default group holds (or a resource adds it) any rule; GR-DSG2
    when a default group's rules are unknown."""
    if isinstance(group, Ingress):
        declared = group.on_default_group
        if isinstance(declared, Unresolved):
            return [Violation("GR-DSG2", declared.why, declared.where)]
        if not declared:
            return []
        return [
            Violation(
                "GR-DSG1",
                f"{len(declared)} rule(s) on a VPC's default security group "
                f"({', '.join(declared)}); anything launched without a group gets them",
                declared[0],
            )
        ]
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
