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
from typing import Any, NamedTuple

from aws_cdk import Acknowledgment as Ack
from aws_cdk import (
    Annotations,
    Aws,
    CfnCondition,
    CfnParameter,
    Duration,
    Fn,
    Stack,
    Token,
    Validations,
)
from aws_cdk import aws_cloudformation as cfn
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
from guardrails.operations import _watch, member_tampering
from guardrails.settings import ContextError, GuardrailSettings
from guardrails.stack import GuardrailStack, _construct_id, _shares
from guardrails_runtime import member_beat
from guardrails_runtime import settings as rt
from guardrails_runtime.model import Mode
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


def member_rules_prefix(settings: GuardrailSettings) -> str:
    """The names of every member's rules start with this (forwarding, tamper, beat)."""
    return f"{settings.resource_prefix}-fwd-"


def _organization_id(value: str, where: str) -> str:
    import re

    from guardrails_runtime.options import ORGANIZATION_ID

    if not isinstance(value, str) or not re.fullmatch(ORGANIZATION_ID, value):
        raise ContextError(f"{where}: organization_id {value!r} is not an organization id (o-...)")
    return value


class MemberRollout(NamedTuple):
    """Where the StackSet of the hub puts the member stack (service-managed permissions).

    ``organizational_units``: target OU ids (``ou-...``, or the root ``r-...``); every
    account in them gets the member stack in every one of ``regions`` now and, with
    auto-deployment, when it joins later. ``role_region`` (default: the first region) is
    the one region where the member role (global, IAM) is created. ``call_as``:
    ``DELEGATED_ADMIN`` when the hub is a delegated administrator of StackSets, ``SELF``
    in the management account.
    """

    organizational_units: Sequence[str]
    regions: Sequence[str]
    role_region: str | None = None
    failure_tolerance_percentage: int = 10
    max_concurrent_percentage: int = 25
    call_as: str = "DELEGATED_ADMIN"


# The largest TemplateBody CloudFormation accepts (a larger one needs TemplateURL in S3).
TEMPLATE_BODY_LIMIT = 51_200


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
    rollout:
        A :class:`MemberRollout`: the hub also holds the StackSet that deploys
        ``GuardrailMemberStack`` to those OUs and regions (None: deploy members yourself).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: GuardrailSettings,
        organization_id: str,
        organizational_units: Sequence[str] = (),
        rollout: MemberRollout | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, settings=settings, **kwargs)
        org = _organization_id(organization_id, f"GuardrailHubStack({construct_id!r})")
        core = self.core
        core.role.node.default_child.role_name = hub_role_name(settings)  # type: ignore[union-attr]
        core.function.add_environment(rt.ENV_MEMBER_ROLE, member_role_name(settings))

        self.bus = events.EventBus(self, "OrganizationBus", event_bus_name=hub_bus_name(settings))
        core.function.add_environment(rt.ENV_MEMBER_RULES, member_rules_prefix(settings))
        core.function.add_environment(rt.ENV_HUB_BUS, self.bus.event_bus_arn)
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
        prefix = settings.resource_prefix

        def to_function(construct_id: str, name: str, what: str, **pattern: Any) -> events.Rule:
            rule = events.Rule(
                self,
                construct_id,
                event_bus=self.bus,
                rule_name=f"{prefix}-{name}",
                description=f"{what}, to the remediation function",
                event_pattern=events.EventPattern(**pattern),
            )
            rule.add_target(core.target())
            return rule

        self.forwarded = to_function(
            "FromMembers",
            "from-members",
            "Events the member accounts forward",
            source=events.Match.prefix("aws."),
            detail_type=FORWARDED,
        )
        # A member's guardrail switched off (forwarded by its tamper rule): to the topic
        # directly, as the hub's own self-protection does.
        self.member_tampering = _tampering(
            self, "MemberTampering", "member-tamper", settings, topic=core.topic, event_bus=self.bus
        )
        # Each member's hourly beat (member_beat): EventBridge's own Scheduled Event of the
        # member's beat rule, which no principal can send with PutEvents.
        beat_rule = f"{member_rules_prefix(settings)}{member_beat.BEAT_RULE}"
        self.member_beats = to_function(
            "MemberBeats",
            "member-beats",
            "The member accounts' hourly beats",
            source=["aws.events"],
            detail_type=["Scheduled Event"],
            resources=events.Match.wildcard(f"arn:*:events:*:*:rule/{beat_rule}"),
        )
        # The heartbeat looks at these as at the default bus's rules, and reports the
        # members whose beats stopped.
        core.watch_bus(
            hub_bus_name(settings),
            [f"{prefix}-from-members", f"{prefix}-member-tamper", f"{prefix}-member-beats"],
        )
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
        self.stack_set = (
            _rollout_stack_set(self, settings, org, rollout, construct_id)
            if rollout is not None
            else None
        )
        Validations.of(core.role).acknowledge(
            Ack(
                id="AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::*:role/"
                f"{member_role_name(settings)}]",
                reason="The member role of every account of the organization (the account is "
                "the event's; aws:ResourceOrgID limits it to the organization).",
            )
        )


def _rollout_stack_set(
    hub: GuardrailHubStack,
    settings: GuardrailSettings,
    org: str,
    rollout: MemberRollout,
    construct_id: str,
) -> cfn.CfnStackSet:
    if Token.is_unresolved(hub.account) or Token.is_unresolved(hub.region):
        raise ContextError(
            f"GuardrailHubStack({construct_id!r}, rollout=...): give the hub an explicit env "
            "(account and region): the member template names the hub's bus and role"
        )
    regions = list(dict.fromkeys(rollout.regions))
    if not regions or not rollout.organizational_units:
        raise ContextError(
            f"GuardrailHubStack({construct_id!r}, rollout=...): name at least one OU and region"
        )
    role_region = rollout.role_region or regions[0]
    if role_region not in regions:
        raise ContextError(
            f"GuardrailHubStack({construct_id!r}, rollout=...): role_region {role_region!r} "
            f"is not one of the regions {regions}"
        )
    body = member_template(settings, hub.account, hub.region, org)
    if len(body.encode()) > TEMPLATE_BODY_LIMIT:
        raise ContextError(
            f"GuardrailHubStack({construct_id!r}): the member template is {len(body.encode())} "
            f"bytes, over the {TEMPLATE_BODY_LIMIT} a StackSet's TemplateBody takes; deploy "
            "fewer policies per member stack"
        )
    targets_ = cfn.CfnStackSet.DeploymentTargetsProperty(
        organizational_unit_ids=list(rollout.organizational_units)
    )

    def group(where: list[str], create: str) -> cfn.CfnStackSet.StackInstancesProperty:
        return cfn.CfnStackSet.StackInstancesProperty(
            deployment_targets=targets_,
            regions=where,
            parameter_overrides=[
                cfn.CfnStackSet.ParameterProperty(
                    parameter_key="CreateMemberRole", parameter_value=create
                )
            ],
        )

    groups = [group([role_region], "true")]
    others = [r for r in regions if r != role_region]
    if others:
        groups.append(group(others, "false"))
    standard = not hub.region.startswith(("cn-", "us-gov-", "us-iso"))
    if standard and "us-east-1" not in regions:
        # IAM's CloudTrail events reach EventBridge in us-east-1 only (aws partition).
        Annotations.of(hub).add_warning_v2(
            "cdk-guardrails:memberRoleUnwatched",
            "the member role's changes are seen only where a member stack runs in "
            f"us-east-1 (IAM's events reach EventBridge there only); the rollout's regions "
            f"{regions} leave it unwatched: add us-east-1, or deny changes to "
            f"{member_role_name(settings)} with a service control policy",
        )
    return cfn.CfnStackSet(
        hub,
        "MemberStackSet",
        stack_set_name=f"{settings.resource_prefix}-members",
        description="cdk-guardrails member stacks: forward events to the hub, Config rules, role",
        permission_model="SERVICE_MANAGED",
        call_as=rollout.call_as,
        auto_deployment=cfn.CfnStackSet.AutoDeploymentProperty(
            enabled=True, retain_stacks_on_account_removal=False
        ),
        capabilities=["CAPABILITY_NAMED_IAM"],
        managed_execution={"Active": True},
        operation_preferences=cfn.CfnStackSet.OperationPreferencesProperty(
            failure_tolerance_percentage=rollout.failure_tolerance_percentage,
            max_concurrent_percentage=rollout.max_concurrent_percentage,
            region_concurrency_type="PARALLEL",
        ),
        stack_instances_group=groups,
        template_body=body,
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
            if settings.mode_for(policy) is not Mode.OFF:
                compliance += names
        # Switching this account's guardrail off (its rules, their targets, the member
        # role) outside CloudFormation reaches the hub, whose rule sends it to the topic.
        # This rule watches itself too: the call that disables it is still forwarded.
        self.tamper_rule = _tampering(self, "Tampering", "fwd-tamper", settings)
        self.tamper_rule.add_target(target)
        self.rules.append(self.tamper_rule)
        # Once an hour EventBridge's own event tells the hub this account and region still
        # forward; the hub then looks at these rules through the member role.
        self.beat_rule = events.Rule(
            self,
            "Heartbeat",
            rule_name=f"{member_rules_prefix(settings)}{member_beat.BEAT_RULE}",
            description="Hourly beat to the hub: this account and region still forward",
            schedule=events.Schedule.rate(Duration.hours(1)),
            targets=[target],
        )
        self.rules.append(self.beat_rule)
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
        # The hub's look at the forwarding rules on each beat (ListRules has no
        # resource-level permissions; the targets of this stack's rules only).
        statements = [
            iam.PolicyStatement(actions=["events:ListRules"], resources=["*"]),
            iam.PolicyStatement(
                actions=["events:ListTargetsByRule"],
                resources=[
                    f"arn:{partition}:events:*:{Aws.ACCOUNT_ID}:rule/{member_rules_prefix(settings)}*"
                ],
            ),
        ]
        reasons: dict[str, list[str]] = {
            "AwsSolutions::AwsSolutions-IAM5[Resource::*]": [
                "events:ListRules: no resource-level permissions (the hub lists this "
                "account's forwarding rules by name prefix on each beat)"
            ],
            "AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:events:*:"
            f"<AWS::AccountId>:rule/{member_rules_prefix(settings)}*]": [
                "events:ListTargetsByRule on this stack's forwarding rules, in every region "
                "(the hub checks on each beat that they still send to its bus)"
            ],
        }
        for policy in settings.policies:
            remediation = by_policy(policy)
            if remediation is None:
                continue
            for statement, finding, reason in grant_statements(remediation, self, region="*"):
                statements.append(statement)
                if finding:
                    reasons.setdefault(finding, []).append(reason)
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
        # Each wildcard on its own, with the fixes' reasons; the region is * everywhere:
        # the role is global and the hub acts where the event happened.
        for finding, why in reasons.items():
            Validations.of(self.role).acknowledge(
                Ack(id=finding, reason="; ".join(why) + " (every region: the role is global)")
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


def _tampering(
    scope: Construct, construct_id: str, name: str, settings: GuardrailSettings, **target: Any
) -> events.Rule:
    """The rule that sees a member's guardrail switched off outside CloudFormation: in the
    member (forwarding to the hub), and on the hub's bus (to the topic)."""
    return _watch(
        scope,
        construct_id,
        name=f"{settings.resource_prefix}-{name}",
        what="a member's guardrail changed outside CFN",
        services=["events", "iam", "config"],
        calls=member_tampering(settings.resource_prefix, member_role_name(settings)),
        **target,
    )


def member_template(
    settings: GuardrailSettings, hub_account: str, hub_region: str, organization_id: str
) -> str:
    """The member stack's template as compact JSON, synthesized in an app of its own (it
    has no asset, so the text is all a StackSet needs)."""
    import json
    import tempfile

    from aws_cdk import App

    app = App(outdir=tempfile.mkdtemp(prefix="guardrails-member-"))
    stack = GuardrailMemberStack(
        app,
        "GuardrailsMember",
        settings=settings,
        hub_account=hub_account,
        hub_region=hub_region,
        organization_id=organization_id,
    )
    template = app.synth().get_stack_by_name(stack.stack_name).template
    return json.dumps(template, separators=(",", ":"), sort_keys=True)
