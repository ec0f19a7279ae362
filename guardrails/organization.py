"""Hub and member stacks: one guardrail for every account of an AWS organization.

``GuardrailHubStack`` (deployed once, in a security account that is a delegated
administrator, or in the management account) holds the remediation function, its ledger,
topic and alarms, guards its own account like ``GuardrailStack``, and owns the
organization's event bus. ``GuardrailMemberStack`` (asset-free, for every member account
and region) forwards the policies' CloudTrail events and Config compliance changes to that
bus, holds the policies' Config rules and, in one region per account, the member role the
hub's function assumes (see ``guardrails_runtime.org`` for the runtime side).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aws_cdk import Acknowledgment as Ack
from aws_cdk import Aws, CfnCondition, CfnParameter, Duration, Fn, Stack, Validations
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from constructs import Construct

from guardrails.core import (
    claim,
    cloudtrail_patterns,
    compliance_pattern,
    grant_statements,
)
from guardrails.guardrail import config_rules
from guardrails.settings import ContextError, GuardrailSettings
from guardrails.stack import GuardrailStack, _construct_id, _shares
from guardrails_runtime import settings as rt
from guardrails_runtime.remediations import by_policy

# The event types a member forwards and the hub's function handles.
FORWARDED = ["AWS API Call via CloudTrail", "Config Rules Compliance Change"]


def hub_bus_name(settings: GuardrailSettings) -> str:
    return f"{settings.resource_prefix}-hub"


def hub_role_name(settings: GuardrailSettings) -> str:
    """The hub function's role: named, so that member roles can trust exactly it."""
    return f"{settings.resource_prefix}-hub-remediator"


def member_role_name(settings: GuardrailSettings) -> str:
    return f"{settings.resource_prefix}-member"


def _organization_id(value: str, where: str) -> str:
    import re

    if not isinstance(value, str) or not re.fullmatch(r"o-[a-z0-9]{10,32}", value):
        raise ContextError(f"{where}: organization_id {value!r} is not an organization id (o-...)")
    return value


class GuardrailHubStack(GuardrailStack):
    """The hub: ``GuardrailStack`` for its own account, plus the organization's event bus
    and the right to act in member accounts through their member role.

    Parameters
    ----------
    organization_id:
        ``o-...``: only principals of this organization may put events on the bus, and
        the function may assume only roles of this organization's accounts.
    organizational_units:
        Optional OU paths (``o-.../r-.../ou-...``) narrowing who may put events.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: GuardrailSettings,
        organization_id: str,
        organizational_units: Sequence[str] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, settings=settings, **kwargs)
        org = _organization_id(organization_id, f"GuardrailHubStack({construct_id!r})")
        core = self.core
        core.role.node.default_child.role_name = hub_role_name(settings)  # type: ignore[union-attr]
        core.function.add_environment(rt.ENV_MEMBER_ROLE, member_role_name(settings))

        self.bus = events.EventBus(self, "OrganizationBus", event_bus_name=hub_bus_name(settings))
        conditions: dict[str, Any] = {"StringEquals": {"aws:PrincipalOrgID": org}}
        if organizational_units:
            conditions["ForAnyValue:StringLike"] = {
                "aws:PrincipalOrgPaths": [f"{p.rstrip('/')}/*" for p in organizational_units]
            }
        self.bus.add_to_resource_policy(
            iam.PolicyStatement(
                sid="OrganizationAccountsForward",
                principals=[iam.AnyPrincipal()],
                actions=["events:PutEvents"],
                resources=[self.bus.event_bus_arn],
                conditions=conditions,
            )
        )
        # Only AWS's own events: PutEvents cannot send a source starting with "aws." (AWS
        # refuses it), so a member's principal cannot forge a CloudTrail record here.
        self.forwarded = events.Rule(
            self,
            "FromMembers",
            event_bus=self.bus,
            rule_name=f"{settings.resource_prefix}-from-members",
            description="Events the member accounts forward, to the remediation function",
            event_pattern=events.EventPattern(
                source=events.Match.prefix("aws."), detail_type=FORWARDED
            ),
        )
        self.forwarded.add_target(core.target())
        core.role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["sts:AssumeRole"],
                resources=[f"arn:{Aws.PARTITION}:iam::*:role/{member_role_name(settings)}"],
                conditions={"StringEquals": {"aws:ResourceOrgID": org}},
            )
        )
        core.role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["organizations:DescribeAccount", "organizations:ListParents"],
                resources=["*"],
            )
        )
        Validations.of(core.role).acknowledge(
            Ack(
                id="AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::*:role/"
                f"{member_role_name(settings)}]",
                reason="The member role of every account of the organization (the account is "
                "the event's; aws:ResourceOrgID limits it to the organization).",
            )
        )


class GuardrailMemberStack(Stack):
    """What every member account and region holds; no asset, so StackSets can deploy it.

    Parameters
    ----------
    hub_account, hub_region:
        Where ``GuardrailHubStack`` is deployed (its bus and its function's role).
    organization_id:
        ``o-...``: the member role trusts the hub's role only as a principal of it.
    settings:
        The same settings as the hub (policies, exemption tag, resource prefix).
    create_role:
        True or False fixes it; None (default) adds the ``CreateMemberRole`` parameter
        ("true"/"false"), so one StackSet can create the role in one region only.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: GuardrailSettings,
        hub_account: str,
        hub_region: str,
        organization_id: str,
        create_role: bool | None = None,
        **kwargs: Any,
    ) -> None:
        GuardrailSettings.require(settings, f"GuardrailMemberStack({construct_id!r}, settings=...)")
        super().__init__(
            scope,
            construct_id,
            description="cdk-guardrails member: forwards events to the hub, Config rules, role",
            **kwargs,
        )
        org = _organization_id(organization_id, f"GuardrailMemberStack({construct_id!r})")
        self.settings = settings
        partition = Aws.PARTITION
        bus = events.EventBus.from_event_bus_arn(
            self,
            "HubBus",
            f"arn:{partition}:events:{hub_region}:{hub_account}:event-bus/{hub_bus_name(settings)}",
        )
        self.forwarder = iam.Role(
            self,
            "ForwardRole",
            assumed_by=iam.ServicePrincipal("events.amazonaws.com"),
            description="cdk-guardrails member: puts the matched events on the hub's bus",
        )
        target = targets.EventBus(bus, role=self.forwarder)
        self.rules: list[events.Rule] = []
        routed: set[tuple[str, str]] = set()
        compliance: list[str] = []
        for policy in sorted(settings.policies, key=_shares):
            remediation = by_policy(policy)
            if remediation is None:
                continue
            name = _construct_id(policy)
            for suffix, pattern in cloudtrail_patterns(
                remediation, settings.exemption_tag_key, claim(routed, remediation)
            ):
                self.rules.append(
                    events.Rule(
                        self,
                        f"{name}{suffix.capitalize()}",
                        rule_name=f"{settings.resource_prefix}-fwd-{policy}"
                        + (f"-{suffix}" if suffix else ""),
                        description=f"{policy}: to the hub",
                        event_pattern=pattern,
                        targets=[target],
                    )
                )
            holder = Construct(self, f"{name}Config")
            _, names = config_rules(holder, settings, policy)
            if settings.mode_for(policy).value != "off":
                compliance += names
        if compliance:
            self.rules.append(
                events.Rule(
                    self,
                    "NonCompliant",
                    rule_name=f"{settings.resource_prefix}-fwd-config",
                    description="Config NON_COMPLIANT evaluations of the guardrails' rules",
                    event_pattern=compliance_pattern(sorted(compliance)),
                    targets=[target],
                )
            )

        hub_role = f"arn:{partition}:iam::{hub_account}:role/{hub_role_name(settings)}"
        statements = [
            statement
            for policy in settings.policies
            if (remediation := by_policy(policy)) is not None
            for statement, _, _ in grant_statements(remediation, self, region="*")
        ]
        self.role = iam.Role(
            self,
            "MemberRole",
            role_name=member_role_name(settings),
            assumed_by=iam.ArnPrincipal(hub_role).with_conditions(
                {"StringEquals": {"aws:PrincipalOrgID": org}}
            ),
            description="cdk-guardrails: the hub's function acts in this account with it",
            max_session_duration=Duration.hours(1),
            inline_policies={"Remediations": iam.PolicyDocument(statements=statements)},
        )
        Validations.of(self.role).acknowledge(
            Ack(
                id="AwsSolutions::AwsSolutions-IAM5",
                reason="The actions each fix declares, on the resource patterns of its spec, in "
                "every region (the role is global; the hub acts where the event happened).",
            )
        )
        if create_role is None:
            parameter = CfnParameter(
                self,
                "CreateMemberRole",
                allowed_values=["true", "false"],
                default="true",
                description="Create the member role (IAM is global: true in one region only)",
            )
            condition = CfnCondition(
                self, "MemberRoleHere", expression=Fn.condition_equals(parameter, "true")
            )
            self.role.node.default_child.cfn_options.condition = condition  # type: ignore[union-attr]
        elif not create_role:
            self.node.try_remove_child("MemberRole")
