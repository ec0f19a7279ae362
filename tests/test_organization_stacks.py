"""Synthesis of the hub and member stacks (issue 16): trust, bus policy, no assets, cdk-nag."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from guardrails.settings import ContextError, GuardrailSettings
from guardrails_runtime.remediations import by_policy

pytestmark = pytest.mark.synth

ORG = "o-abcde12345"
HUB_ACCOUNT = "111122223333"


def stacks_in(
    app: Any, member_kwargs: dict[str, Any] | None = None, **hub_kwargs: Any
) -> tuple[Any, Any]:
    """A hub and a member stack in ``app`` (nothing synthesized yet)."""
    from guardrails.organization import GuardrailHubStack, GuardrailMemberStack

    settings = GuardrailSettings()
    hub = GuardrailHubStack(app, "Hub", settings=settings, organization_id=ORG, **hub_kwargs)
    member = GuardrailMemberStack(
        app,
        "Member",
        settings=settings,
        hub_account=HUB_ACCOUNT,
        hub_region="eu-west-1",
        organization_id=ORG,
        **(member_kwargs or {}),
    )
    return hub, member


def build(
    member_kwargs: dict[str, Any] | None = None, **hub_kwargs: Any
) -> tuple[Any, Any, Any, dict[str, Any], dict[str, Any]]:
    import aws_cdk as cdk
    from aws_cdk.assertions import Template

    app = cdk.App()
    hub, member = stacks_in(app, member_kwargs, **hub_kwargs)
    return (
        app,
        hub,
        member,
        Template.from_stack(hub).to_json(),
        Template.from_stack(member).to_json(),
    )


@pytest.fixture(scope="module")
def stacks() -> tuple[Any, Any, Any, dict[str, Any], dict[str, Any]]:
    return build()


def of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}


def text(value: Any) -> str:
    """A CloudFormation value with Fn::Join and Ref AWS::Partition written out."""
    if isinstance(value, dict) and "Fn::Join" in value:
        sep, parts = value["Fn::Join"]
        return sep.join(text(p) for p in parts)
    if value == {"Ref": "AWS::Partition"}:
        return "aws"
    if value == {"Ref": "AWS::AccountId"}:
        return "<account>"
    if value == {"Ref": "AWS::Region"}:
        return "<region>"
    return value if isinstance(value, str) else json.dumps(value)


def test_member_role_trusts_exactly_the_hub_role_of_the_organization(stacks: Any) -> None:
    member = stacks[4]
    [role] = [
        r
        for r in of_type(member, "AWS::IAM::Role").values()
        if r["Properties"].get("RoleName") == "guardrails-member"
    ]
    [statement] = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Action"] == "sts:AssumeRole" and statement["Effect"] == "Allow"
    assert text(statement["Principal"]["AWS"]) == (
        f"arn:aws:iam::{HUB_ACCOUNT}:role/guardrails-hub-remediator"
    )
    assert statement["Condition"] == {"StringEquals": {"aws:PrincipalOrgID": ORG}}
    assert role["Properties"]["MaxSessionDuration"] == 3600
    assert role["Condition"] == "MemberRoleHere"  # one region per account: a parameter


def test_member_role_holds_the_fixes_actions_in_every_region(stacks: Any) -> None:
    member = stacks[4]
    [role] = [
        r
        for r in of_type(member, "AWS::IAM::Role").values()
        if r["Properties"].get("RoleName") == "guardrails-member"
    ]
    [policy] = role["Properties"]["Policies"]
    statements = policy["PolicyDocument"]["Statement"]
    actions = {
        a
        for s in statements
        for a in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])
    }
    expected = {
        action
        for policy_id in GuardrailSettings().policies
        if (remediation := by_policy(policy_id)) is not None
        for grant in remediation.iam
        for action in grant.actions
    }
    # The fixes' actions, and the hub's look at the forwarding rules on each beat.
    assert actions == expected | {"events:ListRules", "events:ListTargetsByRule"}
    assert "ec2:RevokeSecurityGroupIngress" in actions and "sts:AssumeRole" not in actions
    [listing] = [s for s in statements if s["Action"] == "events:ListRules"]
    assert listing["Resource"] == "*"  # no resource-level permissions for ListRules
    [targets] = [s for s in statements if s["Action"] == "events:ListTargetsByRule"]
    assert text(targets["Resource"]) == "arn:aws:events:*:<account>:rule/guardrails-fwd-*"
    for s in statements:
        resource = text(s["Resource"])
        # Regional ARNs name every region (the role is global), never the stack's region.
        assert "AWS::Region" not in json.dumps(s["Resource"]), resource


def test_member_forwards_each_policys_events_to_the_hub_bus(stacks: Any) -> None:
    member = stacks[4]
    rules = of_type(member, "AWS::Events::Rule")
    bus = f"arn:aws:events:eu-west-1:{HUB_ACCOUNT}:event-bus/guardrails-hub"
    names = set()
    for rule in rules.values():
        [target] = rule["Properties"]["Targets"]
        assert text(target["Arn"]) == bus
        assert "RoleArn" in target
        names.add(rule["Properties"]["Name"])
    assert "guardrails-fwd-sg-open-ingress" in names and "guardrails-fwd-config" in names
    patterns = [
        r["Properties"]["EventPattern"] for r in rules.values() if "EventPattern" in r["Properties"]
    ]
    sg = next(p for p in patterns if "AuthorizeSecurityGroupIngress" in json.dumps(p))
    assert sg["detail"]["errorCode"] == [{"exists": False}]
    assert of_type(member, "AWS::Config::ConfigRule")


def test_member_stack_has_no_asset_and_no_function(stacks: Any) -> None:
    app, _, member, _, template = stacks
    assert not of_type(template, "AWS::Lambda::Function")
    assembly = app.synth()
    artifact = assembly.get_stack_artifact(member.artifact_id)
    manifest = json.loads(
        (Path(assembly.directory) / f"{member.artifact_id}.assets.json").read_text()
    )
    # The template itself is the one file the CDK publishes; nothing else (no code).
    sources = [f["source"]["path"] for f in manifest.get("files", {}).values()]
    assert sources == [Path(artifact.template_full_path).name]
    assert not manifest.get("dockerImages")
    assert len(json.dumps(template, separators=(",", ":"))) < 51_200  # StackSets TemplateBody


def test_hub_bus_accepts_only_the_organization(stacks: Any) -> None:
    hub = stacks[3]
    [policy] = of_type(hub, "AWS::Events::EventBusPolicy").values()
    statement = policy["Properties"]["Statement"]
    assert statement["Action"] == "events:PutEvents"
    assert statement["Principal"] == {"AWS": "*"}
    assert statement["Condition"] == {"StringEquals": {"aws:PrincipalOrgID": ORG}}


def test_hub_bus_can_be_narrowed_to_ous() -> None:
    hub = build(organizational_units=[f"{ORG}/r-ab12/ou-ab12-prod0001"])[3]
    [policy] = of_type(hub, "AWS::Events::EventBusPolicy").values()
    assert policy["Properties"]["Statement"]["Condition"] == {
        "StringEquals": {"aws:PrincipalOrgID": ORG},
        "ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": [f"{ORG}/r-ab12/ou-ab12-prod0001/*"]},
    }


def test_hub_function_may_assume_member_roles_of_the_organization_only(stacks: Any) -> None:
    hub = stacks[3]
    roles = of_type(hub, "AWS::IAM::Role")
    [role_id] = [
        k
        for k, r in roles.items()
        if r["Properties"].get("RoleName") == "guardrails-hub-remediator"
    ]
    # The role's inline policy outgrows IAM's 10 KB: CDK moves the rest to managed ones.
    statements = [
        s
        for kind in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy")
        for p in of_type(hub, kind).values()
        if {"Ref": role_id} in p["Properties"].get("Roles", [])
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]
    [assume] = [s for s in statements if s["Action"] == "sts:AssumeRole"]
    assert text(assume["Resource"]) == "arn:aws:iam::*:role/guardrails-member"
    assert assume["Condition"] == {"StringEquals": {"aws:ResourceOrgID": ORG}}
    [org_read] = [s for s in statements if "organizations:DescribeAccount" in s["Action"]]
    assert sorted(org_read["Action"]) == [
        "organizations:DescribeAccount",
        "organizations:ListParents",
    ]
    [function] = of_type(hub, "AWS::Lambda::Function").values()
    assert function["Properties"]["Environment"]["Variables"]["GUARDRAILS_MEMBER_ROLE"] == (
        "guardrails-member"
    )
    [rule] = [
        r
        for r in of_type(hub, "AWS::Events::Rule").values()
        if r["Properties"]["Name"] == "guardrails-from-members"
    ]
    assert rule["Properties"]["EventPattern"]["source"] == [{"prefix": "aws."}]


def test_member_role_in_one_region_only() -> None:
    fixed = build(member_kwargs={"create_role": False})[4]
    assert not [
        r
        for r in of_type(fixed, "AWS::IAM::Role").values()
        if r["Properties"].get("RoleName") == "guardrails-member"
    ]
    assert "CreateMemberRole" not in fixed.get("Parameters", {})
    default = build()[4]
    assert default["Parameters"]["CreateMemberRole"]["AllowedValues"] == ["true", "false"]


def test_an_organization_id_is_checked() -> None:
    with pytest.raises(ContextError, match=r"organization_id 'my-org' is not an organization id"):
        import aws_cdk as cdk

        from guardrails.organization import GuardrailMemberStack

        GuardrailMemberStack(
            cdk.App(),
            "M",
            settings=GuardrailSettings(),
            hub_account=HUB_ACCOUNT,
            hub_region="eu-west-1",
            organization_id="my-org",
        )


def test_hub_stack_set_and_member_pass_aws_solutions_and_guardrail_checks() -> None:
    import aws_cdk as cdk
    from cdk_nag import AwsSolutionsChecks

    from guardrails import GuardrailChecks
    from guardrails.organization import MemberRollout

    app = cdk.App()
    stacks_in(
        app,
        env=cdk.Environment(account=HUB_ACCOUNT, region="eu-west-1"),
        rollout=MemberRollout(["ou-ab12-prod0001"], ["eu-west-1", "us-east-1"]),
    )
    # Added before anything synthesizes: a second synth would not validate again.
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app), GuardrailChecks(app))
    app.synth()  # raises on any unacknowledged error-level finding


def test_the_member_role_needs_each_of_its_acknowledgements() -> None:
    """The pack alone (no acknowledgement applied) flags the member role's wildcards: the
    acknowledgements above are each needed, and none covers more than its finding."""
    from cdk_nag import AwsSolutionsChecks

    member = build()[2]
    report = AwsSolutionsChecks().validate_scope(member)
    flagged = {v.rule_name for v in report.violations}
    assert (
        "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:*:<AWS::AccountId>:security-group/*]"
        in flagged
    )
    assert all(name.startswith("AwsSolutions-IAM5[") for name in flagged), flagged


def rollout_stack(**rollout: Any) -> Any:
    """A hub in eu-west-1 whose StackSet rolls the member out to one OU (not synthesized)."""
    import aws_cdk as cdk

    from guardrails.organization import GuardrailHubStack, MemberRollout

    return GuardrailHubStack(
        cdk.App(),
        "Hub",
        settings=GuardrailSettings(),
        organization_id=ORG,
        env=cdk.Environment(account=HUB_ACCOUNT, region="eu-west-1"),
        rollout=MemberRollout(**{"organizational_units": ["ou-ab12-prod0001"], **rollout}),
    )


def rollout_hub(**rollout: Any) -> dict[str, Any]:
    from aws_cdk.assertions import Template

    template: dict[str, Any] = Template.from_stack(rollout_stack(**rollout)).to_json()
    return template


def test_stack_set_rolls_the_member_out_to_ous_with_the_role_in_one_region() -> None:
    hub = rollout_hub(regions=["eu-west-1", "us-east-1", "eu-central-1"], role_region="us-east-1")
    [stack_set] = of_type(hub, "AWS::CloudFormation::StackSet").values()
    p = stack_set["Properties"]
    assert p["PermissionModel"] == "SERVICE_MANAGED" and p["CallAs"] == "DELEGATED_ADMIN"
    assert p["AutoDeployment"] == {"Enabled": True, "RetainStacksOnAccountRemoval": False}
    assert p["Capabilities"] == ["CAPABILITY_NAMED_IAM"]
    assert p["OperationPreferences"] == {
        "FailureTolerancePercentage": 10,
        "MaxConcurrentPercentage": 25,
        "RegionConcurrencyType": "PARALLEL",
    }
    groups = {
        tuple(g["Regions"]): g["ParameterOverrides"][0]["ParameterValue"]
        for g in p["StackInstancesGroup"]
    }
    assert groups == {("us-east-1",): "true", ("eu-west-1", "eu-central-1"): "false"}
    for g in p["StackInstancesGroup"]:
        assert g["DeploymentTargets"] == {"OrganizationalUnitIds": ["ou-ab12-prod0001"]}
    member = json.loads(p["TemplateBody"])
    kinds = {r["Type"] for r in member["Resources"].values()}
    assert "AWS::Lambda::Function" not in kinds and "AWS::CloudFormation::Stack" not in kinds
    assert "AWS::IAM::Role" in kinds and "CreateMemberRole" in member["Parameters"]
    assert f":events:eu-west-1:{HUB_ACCOUNT}:event-bus/guardrails-hub" in p["TemplateBody"]
    assert f":iam::{HUB_ACCOUNT}:role/guardrails-hub-remediator" in p["TemplateBody"]


def test_stack_set_needs_the_hubs_env_and_sound_regions() -> None:
    import aws_cdk as cdk

    from guardrails.organization import GuardrailHubStack, MemberRollout

    with pytest.raises(ContextError, match="give the hub an explicit env"):
        GuardrailHubStack(
            cdk.App(),
            "Hub",
            settings=GuardrailSettings(),
            organization_id=ORG,
            rollout=MemberRollout(["ou-ab12-prod0001"], ["eu-west-1"]),
        )
    with pytest.raises(ContextError, match="role_region 'us-west-2' is not one of the regions"):
        rollout_hub(regions=["eu-west-1"], role_region="us-west-2")
    with pytest.raises(ContextError, match="name at least one OU and region"):
        rollout_hub(regions=[])


def test_app_builds_hub_stack_set_and_member_from_context(tmp_path: Path) -> None:
    """app.py in hub mode, from cdk.json-style context, as `cdk synth` runs it."""
    import os
    import subprocess
    import sys

    from conftest import ROOT

    context = {
        "guardrails:organization": {
            "id": ORG,
            "hubAccount": HUB_ACCOUNT,
            "hubRegion": "eu-west-1",
            "organizationalUnits": ["ou-ab12-prod0001"],
            "regions": ["eu-west-1", "us-east-1"],
        },
        "guardrails:organizationModes": {"ou-ab12-prod0001": "remediate"},
    }
    env = {**os.environ, "CDK_CONTEXT_JSON": json.dumps(context), "CDK_OUTDIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "app.py"], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    hub = json.loads((tmp_path / "Guardrails.template.json").read_text())
    member = json.loads((tmp_path / "GuardrailsMember.template.json").read_text())
    assert of_type(hub, "AWS::CloudFormation::StackSet")
    assert of_type(hub, "AWS::Events::EventBusPolicy")
    [function] = of_type(hub, "AWS::Lambda::Function").values()
    variables = function["Properties"]["Environment"]["Variables"]
    assert variables["GUARDRAILS_ORGANIZATION_MODES"] == '{"ou-ab12-prod0001":"remediate"}'
    assert not of_type(member, "AWS::Lambda::Function")


def test_organization_context_is_checked_field_by_field() -> None:
    good = {"id": ORG, "hubAccount": HUB_ACCOUNT, "hubRegion": "eu-west-1"}
    assert GuardrailSettings(organization=good).organization.hub_account == HUB_ACCOUNT  # type: ignore[arg-type,union-attr]
    for bad, message in (
        (
            {**good, "hubAccount": "1234"},
            "organization.hubAccount (organization): '1234' is not a 12-digit account id",
        ),
        ({**good, "ous": []}, "guardrails:organization.ous (organization): [] is an unknown field"),
        (
            {**good, "organizationalUnits": ["ou-ab12-prod0001"]},
            "regions (organization): [] is empty",
        ),
    ):
        with pytest.raises(Exception, match=re.escape(message)):
            GuardrailSettings(organization=bad)  # type: ignore[arg-type]


def test_switching_a_members_guardrail_off_reaches_the_hubs_topic(stacks: Any) -> None:
    """Disabling a forwarding rule, removing its target or changing the member role in a
    member account, outside CloudFormation: the member's tamper rule (which watches
    itself) forwards the call to the hub, whose rule on the organization bus publishes it."""
    _, _, _, hub, member = stacks
    [tamper] = [
        r
        for r in of_type(member, "AWS::Events::Rule").values()
        if r["Properties"]["Name"] == "guardrails-fwd-tamper"
    ]
    detail = tamper["Properties"]["EventPattern"]["detail"]
    assert detail["sourceIPAddress"] == [{"anything-but": "cloudformation.amazonaws.com"}]
    watched = {json.dumps(c, sort_keys=True) for c in detail["$or"]}
    disable = next(c for c in detail["$or"] if "DisableRule" in c["eventName"])
    assert disable["requestParameters"] == {"name": [{"prefix": "guardrails-"}]}
    role = next(c for c in detail["$or"] if c["eventSource"] == ["iam.amazonaws.com"])
    assert role["requestParameters"] == {"roleName": ["guardrails-member"]}
    assert len(watched) == 4
    [target] = tamper["Properties"]["Targets"]
    assert ":event-bus/guardrails-hub" in text(target["Arn"])
    [on_hub] = [
        r
        for r in of_type(hub, "AWS::Events::Rule").values()
        if r["Properties"]["Name"] == "guardrails-member-tamper"
    ]
    assert on_hub["Properties"]["EventBusName"] == {"Ref": "OrganizationBus36F7E3E3"}
    [topic_target] = on_hub["Properties"]["Targets"]
    assert "GuardrailCoreFindings" in json.dumps(topic_target["Arn"])  # the hub's topic
    assert on_hub["Properties"]["EventPattern"]["detail"]["$or"] == detail["$or"]


def test_hub_heartbeat_also_looks_at_the_organization_bus_rules(stacks: Any) -> None:
    """A disabled ``<prefix>-from-members`` rule silences every member: the hourly
    heartbeat checks the organization bus's rules as it checks the default bus's."""
    hub = stacks[3]
    [heartbeat] = [
        r["Properties"]
        for r in of_type(hub, "AWS::Events::Rule").values()
        if r["Properties"]["Name"] == "guardrails-heartbeat"
    ]
    bodies = [json.loads(t["Input"])["guardrailsHeartbeat"] for t in heartbeat["Targets"]]
    assert [b.get("eventBus", "default") for b in bodies] == ["default", "guardrails-hub"]
    assert bodies[1]["required"] == [
        "guardrails-from-members",
        "guardrails-member-tamper",
        "guardrails-member-beats",
    ]
    assert bodies[1]["rulePrefix"] == "guardrails"
    on_bus = {
        r["Properties"]["Name"]
        for r in of_type(hub, "AWS::Events::Rule").values()
        if r["Properties"].get("EventBusName")
    }
    assert set(bodies[1]["required"]) <= on_bus  # the names the hub really gives them
    listed = [
        text(resource)
        for kind in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy")
        for p in of_type(hub, kind).values()
        for s in p["Properties"]["PolicyDocument"]["Statement"]
        if s["Action"] == "events:ListTargetsByRule"
        for resource in (s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])
    ]
    assert sorted(listed) == [
        "arn:aws:events:<region>:<account>:rule/guardrails-*",
        "arn:aws:events:<region>:<account>:rule/guardrails-hub/guardrails-*",
    ]


def test_member_beats_hourly_to_the_hub_which_routes_only_those_beats(stacks: Any) -> None:
    """A member's beat is EventBridge's own Scheduled Event of its beat rule: the hub's
    rule matches exactly that rule's name, so no other scheduled rule of a member (or a
    rule named to look like it) can beat in its place."""
    member, hub = stacks[4], stacks[3]
    [beat] = [
        r["Properties"]
        for r in of_type(member, "AWS::Events::Rule").values()
        if r["Properties"]["Name"] == "guardrails-fwd-heartbeat"
    ]
    assert beat["ScheduleExpression"] == "rate(1 hour)"
    [target] = beat["Targets"]
    assert text(target["Arn"]) == f"arn:aws:events:eu-west-1:{HUB_ACCOUNT}:event-bus/guardrails-hub"
    assert "Input" not in target and "InputTransformer" not in target  # the event itself
    [route] = [
        r["Properties"]
        for r in of_type(hub, "AWS::Events::Rule").values()
        if r["Properties"]["Name"] == "guardrails-member-beats"
    ]
    assert route["EventPattern"] == {
        "source": ["aws.events"],
        "detail-type": ["Scheduled Event"],
        "resources": [{"wildcard": "arn:*:events:*:*:rule/guardrails-fwd-heartbeat"}],
    }
    [(function_id, function)] = of_type(hub, "AWS::Lambda::Function").items()
    [to_function] = route["Targets"]
    assert to_function["Arn"] == {"Fn::GetAtt": [function_id, "Arn"]}
    variables = function["Properties"]["Environment"]["Variables"]
    assert variables["GUARDRAILS_MEMBER_RULES"] == "guardrails-fwd-"
    [(bus_id, _)] = of_type(hub, "AWS::Events::EventBus").items()
    assert variables["GUARDRAILS_HUB_BUS"] == {"Fn::GetAtt": [bus_id, "Arn"]}


def test_a_rollout_without_us_east_1_warns_that_the_member_role_is_unwatched() -> None:
    """IAM's events reach EventBridge in us-east-1 only: without a member stack there, a
    change to the member role reaches no tamper rule. Said at synth, not found later."""
    from aws_cdk.assertions import Annotations, Match

    def warnings(regions: list[str]) -> list[Any]:
        hub = rollout_stack(regions=regions)
        found: list[Any] = Annotations.from_stack(hub).find_warning(
            "*", Match.string_like_regexp("member role's changes are seen only")
        )
        return found

    [warning] = warnings(["eu-west-1", "eu-central-1"])
    assert "add us-east-1" in str(warning.entry.data)
    assert "guardrails-member" in str(warning.entry.data)
    assert warnings(["eu-west-1", "us-east-1"]) == []
