"""Reactive plane of ``default-sg-closed``: revoke the rules of a VPC's default group.

Trigger: a successful ``AuthorizeSecurityGroupIngress`` or ``...Egress`` (the rules its
response lists), or a NON_COMPLIANT evaluation of ``VPC_DEFAULT_SECURITY_GROUP_CLOSED``
(every rule). Reads ``DescribeSecurityGroups`` and ``DescribeSecurityGroupRules``; one
revoke per direction, by rule id.
"""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from guardrails_runtime.adapters.ec2_default_group import (
    DEFAULT,
    DefaultGroup,
    Rule,
    added_rule_ids,
    from_api,
)
from guardrails_runtime.adapters.ec2_security_group import group_ref_from_authorize
from guardrails_runtime.aws import error_code
from guardrails_runtime.events import ApiCall, ComplianceChange
from guardrails_runtime.model import Change, Decision, Outcome, UndoCall
from guardrails_runtime.policies.default_sg_closed.policy import evaluate
from guardrails_runtime.policies.default_sg_closed.spec import SPEC
from guardrails_runtime.remediations.base import Context, Remediation, enforce, tag_exemption
from guardrails_runtime.settings import RuntimeSettings
from guardrails_runtime.shell import command, region_args


class DefaultSgClosedRemediation(Remediation):
    """``RevokeSecurityGroupIngress``/``Egress`` by rule id on a default group."""

    spec = SPEC

    def on_api_call(self, call: ApiCall, ctx: Context, outcome: Outcome) -> Outcome:
        kind, value = group_ref_from_authorize(call.request)
        return self._enforce(ctx, outcome, kind, value, added_rule_ids(call.response))

    def on_compliance_change(
        self, change: ComplianceChange, ctx: Context, outcome: Outcome
    ) -> Outcome:
        return self._enforce(ctx, outcome, "id", change.resource_id, None)

    def exemption_hint(self, outcome: Outcome, settings: RuntimeSettings) -> str | None:
        return command(
            "aws",
            "ec2",
            "create-tags",
            *region_args(outcome.region),
            "--resources",
            outcome.resource or "<group-id>",
            "--tags",
            f"Key={settings.exemption_tag_key},Value={settings.exemption_tag_value}",
        )

    def _enforce(
        self, ctx: Context, outcome: Outcome, kind: str, value: str, added: set[str] | None
    ) -> Outcome:
        """``added``: the rule ids a call added (None: every rule of the group)."""
        ec2 = ctx.clients.get("ec2", outcome.region)
        outcome.resource = value
        group = _describe(ec2, kind, value)
        if group is None or not group.is_default:
            outcome.decision = Decision.COMPLIANT
            outcome.reason = (
                f"security group {value} is not a VPC's default group"
                if group is not None
                else f"security group {value} no longer exists"
            )
            return outcome
        outcome.resource = group.group_id
        if added is not None:
            group = group._replace(rules=tuple(r for r in group.rules if r.rule_id in added))
        violations = evaluate(group)
        if not violations:
            outcome.decision = Decision.COMPLIANT
            outcome.reason = "the default group holds none of the rules the call added"
            return outcome
        outcome.rule = violations[0].rule
        why = "rules were added to a VPC's default security group"
        changes = [
            _change(group.group_id, [r for r in group.rules if r.egress == egress], egress, outcome)
            for egress in (False, True)
            if any(r.egress == egress for r in group.rules)
        ]
        outcome.changes = changes
        exempt = tag_exemption(ctx.settings, dict(group.tags), "default security group", outcome)

        def act() -> str:
            for egress in (False, True):
                ids = [r.rule_id for r in group.rules if r.egress == egress]
                if ids:
                    revoke = (
                        ec2.revoke_security_group_egress
                        if egress
                        else ec2.revoke_security_group_ingress
                    )
                    revoke(GroupId=group.group_id, SecurityGroupRuleIds=ids)
            return f"revoked {violations[0].message.split('holds ', 1)[1]}"

        return enforce(outcome, ctx, why=why, exempt=exempt, act=act)


def _change(group_id: str, rules: list[Rule], egress: bool, outcome: Outcome) -> Change:
    direction = "egress" if egress else "ingress"
    permissions = [r.permission for r in rules]
    return Change(
        f"ec2:RevokeSecurityGroup{direction.title()}",
        group_id,
        {"ruleIds": [r.rule_id for r in rules], "removed": permissions},
        command(
            "aws",
            "ec2",
            f"authorize-security-group-{direction}",
            *region_args(outcome.region),
            "--group-id",
            group_id,
            "--ip-permissions",
            json.dumps(permissions, separators=(",", ":"), sort_keys=True),
        ),
        UndoCall(
            "ec2",
            f"authorize_security_group_{direction}",
            {"GroupId": group_id, "IpPermissions": permissions},
        ),
    )


def _describe(ec2: Any, kind: str, value: str) -> DefaultGroup | None:
    try:
        if kind == "id":
            found = ec2.describe_security_groups(GroupIds=[value])
        else:  # a group name: the default VPC's groups
            found = ec2.describe_security_groups(
                Filters=[{"Name": "group-name", "Values": [value]}]
            )
    except ClientError as exc:
        if error_code(exc) == "InvalidGroup.NotFound":
            return None
        raise
    groups = found.get("SecurityGroups") or []
    if not groups:
        return None
    group = groups[0]
    if group.get("GroupName") != DEFAULT:
        return from_api(group, [])
    paginator = ec2.get_paginator("describe_security_group_rules")
    rules = [
        rule
        for page in paginator.paginate(Filters=[{"Name": "group-id", "Values": [group["GroupId"]]}])
        for rule in page.get("SecurityGroupRules") or []
    ]
    return from_api(group, rules)
