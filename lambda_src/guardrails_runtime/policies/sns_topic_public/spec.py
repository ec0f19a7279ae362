"""Spec of ``sns-topic-public``: no SNS topic open to anyone (FSBP SNS.4)."""

from __future__ import annotations

from guardrails_runtime.model import RuleInfo
from guardrails_runtime.spec import ConfigRule, Fix, IamGrant, PolicySpec, Trigger, Undo

POLICY = "sns-topic-public"

SPEC = PolicySpec(
    id=POLICY,
    title="No public SNS topic",
    summary="No SNS topic policy lets any AWS principal publish, subscribe or manage the "
    "topic without a condition that names the caller.",
    rules=(
        RuleInfo(
            id="GR-SNS1",
            policy=POLICY,
            level="error",
            info="SNS topic policy allows principal '*' without a restricting condition.",
            explanation=(
                "Anyone could publish forged messages to every subscriber, or subscribe an "
                "endpoint of theirs and receive every message."
            ),
            fix="Name the principals, or add aws:SourceOwner / aws:SourceAccount / "
            "aws:SourceArn / aws:PrincipalOrgID conditions.",
        ),
        RuleInfo(
            id="GR-SNS2",
            policy=POLICY,
            level="warning",
            info="SNS topic policy could not be evaluated: a statement is unresolved.",
            explanation="An unresolved principal or condition may open the topic to anyone.",
            fix="Write the policy with literal principals and conditions.",
            planes=("prevent",),
        ),
    ),
    options=(),
    kinds=("sns-topic",),
    cloudformation_types=("AWS::SNS::TopicPolicy",),
    terraform_types=("aws_sns_topic", "aws_sns_topic_policy"),
    triggers=(Trigger("sns.amazonaws.com", ("SetTopicAttributes", "AddPermission")),),
    config_rules=(
        ConfigRule(
            "SNS_TOPIC_NO_PUBLIC_ACCESS",
            "sns-topic-public",
            "SNS topic policies do not allow public access",
            scope=("AWS::SNS::Topic",),
        ),
    ),
    fix=Fix(
        "SnsTopicPublicRemediation",
        iam=(
            IamGrant(
                ("sns:GetTopicAttributes", "sns:ListTagsForResource", "sns:SetTopicAttributes"),
                "arn:{partition}:sns:{region}:{account}:*",
                "re-read a topic's policy and tags, and write it back without its public "
                "statements",
            ),
        ),
        undo=(
            Undo(
                "sns",
                "set_topic_attributes",
                "TopicArn",
                read="get_topic_attributes",
                path="Attributes.Policy",
            ),
        ),
        config_resource_types=("AWS::SNS::Topic",),
        opt_in=True,
    ),
    construct="SnsTopicPublicGuardrail",
    construct_doc="""Reports SNS topics open to anyone; removes the public statements only
    where this policy's own mode is remediate.

    * react: successful ``SetTopicAttributes`` and ``AddPermission`` calls invoke the
      remediation Lambda, which re-reads the topic policy; with ``policyModes`` set to
      remediate for ``sns-topic-public`` it writes the policy back without the public
      statements (``SetTopicAttributes``), otherwise it notifies;
    * detect: AWS Config ``SNS_TOPIC_NO_PUBLIC_ACCESS``, NON_COMPLIANT routed to the same
      Lambda;
    * prevent: ``AWS::SNS::TopicPolicy`` / ``aws_sns_topic_policy`` (and an inline
      ``aws_sns_topic`` policy) with such a statement.
    """,
    docs="""\
**Opt-in fix.** A global `mode: remediate` leaves this policy at `notify`: cutting a
topic's public statement can stop a partner's or another service's publishing, so the fix
acts only with `policyModes: {"sns-topic-public": "remediate"}`. It then removes exactly
the public statements and keeps every other one; undo writes the whole previous policy
back, refused when the topic's policy changed since (`--force` to override).

Public means the same as for bucket and function policies: `Allow` to `*` (or
`{"AWS": "*"}`) without a condition naming the caller. SNS's own default policy allows `*`
with `AWS:SourceOwner` set to the account: not public.

Every `SetTopicAttributes` reaches the Lambda (EventBridge cannot tell a policy change
from a display-name change without the attribute name, which the rule does not filter on);
a topic that is not public is `compliant` and not notified.

Tags: the exemption tag on the topic (`ListTagsForResource`).
""",
)
