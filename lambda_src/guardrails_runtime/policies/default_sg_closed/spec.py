"""Spec of ``default-sg-closed``: a VPC's default security group holds no rule (FSBP EC2.2)."""

from __future__ import annotations

from guardrails_runtime.model import RuleInfo
from guardrails_runtime.spec import ConfigRule, Fix, IamGrant, PolicySpec, Trigger, Undo

POLICY = "default-sg-closed"
GROUPS = "arn:{partition}:ec2:{region}:{account}:security-group/*"

SPEC = PolicySpec(
    id=POLICY,
    title="Default security groups stay closed",
    summary="No VPC's default security group allows any traffic: anything launched "
    "without a group lands in it.",
    rules=(
        RuleInfo(
            id="GR-DSG1",
            policy=POLICY,
            level="error",
            info="A VPC's default security group holds inbound or outbound rules.",
            explanation=(
                "Instances, endpoints and functions created without a security group get "
                "the default one: a rule added there opens every such resource at once."
            ),
            fix="Remove the default group's rules and give each resource its own group "
            "(Terraform: an aws_default_security_group without ingress or egress blocks "
            "empties it).",
        ),
        RuleInfo(
            id="GR-DSG2",
            policy=POLICY,
            level="warning",
            info="A VPC default security group's rules could not be evaluated: they are "
            "unknown in the plan.",
            explanation="Unknown ingress or egress blocks may hold rules.",
            fix="Declare the default group's blocks with literal values, or none.",
            planes=("prevent",),
        ),
    ),
    options=(),
    kinds=("security-group",),
    cloudformation_types=("AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress"),
    terraform_types=("aws_default_security_group",),
    triggers=(
        Trigger("ec2.amazonaws.com", ("AuthorizeSecurityGroupEgress",)),
        # Owned by sg-open-ingress: delivered once, judged by both.
        Trigger("ec2.amazonaws.com", ("AuthorizeSecurityGroupIngress",), shared=True),
    ),
    config_rules=(
        ConfigRule(
            "VPC_DEFAULT_SECURITY_GROUP_CLOSED",
            "default-sg-closed",
            "VPC default security groups allow no traffic",
            scope=("AWS::EC2::SecurityGroup",),
        ),
    ),
    fix=Fix(
        "DefaultSgClosedRemediation",
        iam=(
            IamGrant(
                ("ec2:DescribeSecurityGroups", "ec2:DescribeSecurityGroupRules"),
                "*",
                "read a group's name, VPC, tags and rules (no resource-level permissions "
                "for Describe calls)",
            ),
            IamGrant(
                ("ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress"),
                GROUPS,
                "remove rules from a default security group of this account/region",
            ),
        ),
        undo=(
            Undo("ec2", "authorize_security_group_ingress", "GroupId"),
            Undo("ec2", "authorize_security_group_egress", "GroupId"),
        ),
        config_resource_types=("AWS::EC2::SecurityGroup",),
    ),
    construct="DefaultSgClosedGuardrail",
    construct_doc="""Removes the rules added to a VPC's default security group.

    * react: successful ``AuthorizeSecurityGroupIngress`` and ``...Egress`` calls on a
      default group invoke the remediation Lambda, which revokes exactly the rules the call
      added (by rule id);
    * detect: AWS Config ``VPC_DEFAULT_SECURITY_GROUP_CLOSED``, NON_COMPLIANT routed to the
      same Lambda, which revokes every rule of the default group;
    * prevent: rule resources on ``Fn::GetAtt <Vpc>.DefaultSecurityGroup`` and
      ``aws_default_security_group`` blocks.
    """,
    docs="""\
A call on a default group is fixed by removing exactly what it added (the rule ids its
response lists); the Config rule's NON_COMPLIANT evaluation removes every rule of the
default group, AWS's own initial ones included (an inbound rule from the group itself,
outbound to anywhere): that is what EC2.2 asks. Resources that rely on the default group
lose their traffic; give them their own groups first, or exempt the group with the tag.

`AuthorizeSecurityGroupIngress` is owned by `sg-open-ingress`: one EventBridge rule sends
it, and the Lambda hands it to both policies (each has its own outcome and ledger entry;
this policy's is keyed `<event id>#default-sg-closed`). A call on any other group is
`compliant` here.

Templates and plans: an `AWS::EC2::SecurityGroupIngress` or `...Egress` whose `GroupId`
is `Fn::GetAtt <Vpc>.DefaultSecurityGroup`, and every `ingress`/`egress` block of
Terraform's `aws_default_security_group`, is a rule on a default group (an
`aws_default_security_group` without blocks is how Terraform empties one: it passes).
Terraform rule resources (`aws_vpc_security_group_ingress_rule`...) that name a default
group through a reference are not recognised yet.

Tags: the exemption tag on the default group.
""",
)
