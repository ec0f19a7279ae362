"""Spec of ``imdsv2-required``: EC2 instances require IMDSv2 (FSBP EC2.8)."""

from __future__ import annotations

from guardrails_runtime.model import RuleInfo
from guardrails_runtime.spec import ConfigRule, Fix, IamGrant, PolicySpec, Trigger, Undo

POLICY = "imdsv2-required"

SPEC = PolicySpec(
    id=POLICY,
    title="EC2 instances require IMDSv2",
    summary="Every EC2 instance requires session tokens for its metadata service "
    "(HttpTokens: required), so a server-side request forgery cannot read its role's "
    "credentials with one GET.",
    rules=(
        RuleInfo(
            id="GR-IMDS1",
            policy=POLICY,
            level="error",
            info="EC2 instance allows IMDSv1 (HttpTokens is not 'required').",
            explanation=(
                "IMDSv1 answers any GET from the instance: an SSRF bug in an application "
                "hands out the instance role's credentials. IMDSv2 needs a PUT first, which "
                "such bugs and most proxies cannot send."
            ),
            fix="Set MetadataOptions.HttpTokens: required (metadata_options { http_tokens = "
            '"required" }); in CDK, require_imdsv2=True or http_tokens=REQUIRED.',
        ),
        RuleInfo(
            id="GR-IMDS2",
            policy=POLICY,
            level="warning",
            info="IMDSv2 could not be evaluated: the setting is unresolved or comes from a "
            "launch template outside the file.",
            explanation="An unresolved HttpTokens, or one from a template not in the file, "
            "may be 'optional'.",
            fix="Set HttpTokens: required on the instance or on a launch template in the "
            "same file.",
            planes=("prevent",),
        ),
    ),
    options=(),
    kinds=("ec2-instance",),
    cloudformation_types=(
        "AWS::EC2::Instance",
        "AWS::EC2::LaunchTemplate",
        "AWS::AutoScaling::LaunchConfiguration",
    ),
    terraform_types=("aws_instance", "aws_launch_template", "aws_launch_configuration"),
    triggers=(Trigger("ec2.amazonaws.com", ("RunInstances", "ModifyInstanceMetadataOptions")),),
    config_rules=(
        ConfigRule(
            "EC2_IMDSV2_CHECK",
            "imdsv2-required",
            "EC2 instances require IMDSv2",
            scope=("AWS::EC2::Instance",),
        ),
    ),
    fix=Fix(
        "Imdsv2RequiredRemediation",
        iam=(
            IamGrant(
                ("ec2:DescribeInstances",),
                "*",
                "re-read instances' metadata options and tags (no resource-level "
                "permissions for Describe calls)",
            ),
            IamGrant(
                ("ec2:ModifyInstanceMetadataOptions",),
                "arn:{partition}:ec2:{region}:{account}:instance/*",
                "require session tokens on an instance of this account/region",
            ),
        ),
        undo=(Undo("ec2", "modify_instance_metadata_options", "InstanceId"),),
        config_resource_types=("AWS::EC2::Instance",),
    ),
    construct="Imdsv2Guardrail",
    construct_doc="""Requires IMDSv2 on EC2 instances launched or changed to allow IMDSv1.

    * react: successful ``RunInstances`` and ``ModifyInstanceMetadataOptions`` calls invoke
      the remediation Lambda, which calls ``ModifyInstanceMetadataOptions(HttpTokens=
      "required")`` on every named instance that allows IMDSv1;
    * detect: AWS Config ``EC2_IMDSV2_CHECK``, NON_COMPLIANT routed to the same Lambda;
    * prevent: instances, launch templates and launch configurations in templates and
      plans that do not set ``HttpTokens: required``.
    """,
    docs="""\
**Remediating can break software.** An application on the instance that still reads its
metadata with IMDSv1 (old SDKs and agents, `curl http://169.254.169.254/...` in scripts)
gets HTTP 401 as soon as tokens are required. Default mode is `notify`: run it first, check
the `MetadataNoToken` CloudWatch metric of the instances it names (it counts IMDSv1 calls),
then switch this policy to `remediate` (`policyModes`), or exempt the instance with the tag
while its software is upgraded.

The fix changes only `HttpTokens`; the hop limit and the endpoint stay as they are. An
instance whose metadata endpoint is disabled has no metadata service and is compliant. A
`RunInstances` call may launch many instances: each one that allows IMDSv1 and is not
exempt is fixed, each with its own undo call.

Templates and plans: an absent setting is an error on instances, launch templates and
launch configurations alike (EC2 allows IMDSv1 unless the AMI is registered with
`ImdsSupport: v2.0` or the account's IMDS defaults require tokens, neither of which a
template shows); set it explicitly, or acknowledge the rule where the AMI or the account
enforces it. An instance that takes its options from a launch template of the same file is
judged through that template; one from a template outside the file is a warning.

Tags: the exemption tag on the instance (its description carries `Tags`).
""",
)
