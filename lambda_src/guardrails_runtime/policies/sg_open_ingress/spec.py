"""Spec of ``sg-open-ingress``: no security-group ingress from the whole internet on a port
that is not allowed."""

from __future__ import annotations

from typing import Any

from guardrails_runtime.model import RuleInfo
from guardrails_runtime.spec import ConfigRule, Fix, IamGrant, PolicySpec, Trigger, Undo

POLICY = "sg-open-ingress"


def _config_ports(settings: Any) -> dict[str, str]:
    ports = ",".join(str(p) for p in sorted(settings.allowed_public_ports))
    return {"authorizedTcpPorts": ports, "authorizedUdpPorts": ports} if ports else {}


def _ssh_not_allowed(settings: Any) -> bool:
    return 22 not in settings.allowed_public_ports


SPEC = PolicySpec(
    id=POLICY,
    title="No world-open security-group ingress",
    summary="No security-group ingress from the whole internet (any IPv4 or IPv6 network of "
    "prefix length 0, however spelled, or sources of one group that together cover the whole "
    "space) on a port outside allowed_public_ports.",
    rules=(
        RuleInfo(
            id="GR-SG1",
            policy=POLICY,
            level="error",
            info="Security group ingress is open to the whole internet on a port that is not "
            "allowed.",
            explanation=(
                "Ingress from 0.0.0.0/0 or ::/0 (any prefix length 0) exposes the port to every "
                "scanner on the internet; SSH, RDP and databases are brute-forced within minutes."
            ),
            fix=(
                "Restrict the source to known CIDRs, a managed prefix list or a security group, "
                "or tag the group SecurityExemption=true if public access is intended."
            ),
        ),
        RuleInfo(
            id="GR-SG2",
            policy=POLICY,
            level="warning",
            info="Security group ingress could not be evaluated: a value is unresolved.",
            explanation=(
                "The source or ports depend on a value known only at deploy time (a parameter "
                "without a default, an unknown plan value), so the rule can neither pass nor "
                "fail it."
            ),
            fix="Give the value a literal or a parameter default, or check the deployed group.",
        ),
    ),
    options=("allowed_public_ports",),
    kinds=("security-group",),
    cloudformation_types=("AWS::EC2::SecurityGroup", "AWS::EC2::SecurityGroupIngress"),
    terraform_types=(
        "aws_security_group",
        "aws_security_group_rule",
        "aws_vpc_security_group_ingress_rule",
    ),
    triggers=(
        Trigger(
            "ec2.amazonaws.com",
            (
                "AuthorizeSecurityGroupIngress",
                "ModifySecurityGroupRules",
                "ModifyManagedPrefixList",
                "CreateManagedPrefixList",
            ),
        ),
    ),
    config_rules=(
        ConfigRule(
            "VPC_SG_OPEN_ONLY_TO_AUTHORIZED_PORTS",
            "sg-open-ingress",
            "only the allowed public ports may be open to the internet",
            scope=("AWS::EC2::SecurityGroup",),
            parameters=_config_ports,
        ),
        ConfigRule(
            "INCOMING_SSH_DISABLED",
            "sg-open-ingress-ssh",
            "no SSH from the internet",
            scope=("AWS::EC2::SecurityGroup",),
            enabled=_ssh_not_allowed,
        ),
    ),
    fix=Fix(
        "SecurityGroupIngressRemediation",
        iam=(
            IamGrant(
                (
                    "ec2:DescribeSecurityGroups",
                    "ec2:DescribeSecurityGroupRules",
                    "ec2:DescribeManagedPrefixLists",
                ),
                "*",
                "DescribeSecurityGroups, DescribeSecurityGroupRules and "
                "DescribeManagedPrefixLists support no resource-level permissions (the rules "
                "read tells a modified rule's direction; the lists read tells who owns a list)",
            ),
            IamGrant(
                ("ec2:GetManagedPrefixListEntries", "ec2:GetManagedPrefixListAssociations"),
                "arn:{partition}:ec2:{region}:{account}:prefix-list/*",
                "read a referenced prefix list's CIDRs and which groups reference it (lists "
                "of this account; one shared from another account is reported as unread)",
            ),
            IamGrant(
                ("ec2:RevokeSecurityGroupIngress",),
                "arn:{partition}:ec2:{region}:{account}:security-group/*",
                "revoke the offending ingress entries of any security group in this account/region",
            ),
        ),
        undo=(Undo("ec2", "authorize_security_group_ingress", "GroupId"),),
        config_resource_types=("AWS::EC2::SecurityGroup",),
        tagged="ec2",
    ),
    construct="SecurityGroupGuardrail",
    construct_doc="""Reverts (or reports) security-group ingress opened to the internet.

    * react: successful ``AuthorizeSecurityGroupIngress`` and ``ModifySecurityGroupRules``
      calls invoke the stack's remediation Lambda (a customer-managed prefix list they
      reference is read: one holding the whole internet is as open as ``0.0.0.0/0``), and
      so do ``ModifyManagedPrefixList``/``CreateManagedPrefixList`` (a list made
      world-open while groups reference it on a disallowed port is notified: the list is
      shared, so it is never edited);
    * detect: the AWS Config managed rules ``VPC_SG_OPEN_ONLY_TO_AUTHORIZED_PORTS`` (and
      ``INCOMING_SSH_DISABLED`` unless 22 is an allowed public port), whose NON_COMPLIANT
      changes go to the same Lambda.
    """,
)
