"""Spec of ``exemption-tags``: an exemption tag set on a resource is reported with who set
it, and counts only when an approver set it (``exemptionApprovers``)."""

from __future__ import annotations

from guardrails_runtime.model import RuleInfo
from guardrails_runtime.spec import Fix, IamGrant, PolicySpec, Trigger, Undo

POLICY = "exemption-tags"

SPEC = PolicySpec(
    id=POLICY,
    title="Exemptions are reported and approved",
    summary="Anyone who may tag a resource may tag it exempt: every exemption tag set or "
    "removed is reported with who did it, and with exemptionApprovers set, an exemption "
    "tag set by anyone else is removed (remediate) so that it never counts.",
    rules=(
        RuleInfo(
            id="GR-EX1",
            policy=POLICY,
            level="warning",
            info="The exemption tag was set on (or removed from) a resource.",
            explanation=(
                "An exemption switches the guardrail off for one resource: whoever sets it "
                "should be known, with the reason and the end date the tags give."
            ),
            fix="Nothing to fix when the exemption is intended; tag its reason "
            "(SecurityExemptionReason) and end date (SecurityExemptionExpires) beside it.",
            planes=("react",),
        ),
        RuleInfo(
            id="GR-EX2",
            policy=POLICY,
            level="error",
            info="The exemption tag was set by a principal that is not an exemption approver.",
            explanation=(
                "With exemptionApprovers set, only those principals may exempt a resource; "
                "anyone else's exemption would switch the guardrail off unapproved."
            ),
            fix="Ask an approver to set the exemption, or restrict the tag key to the "
            "approvers with an SCP (see guardrails/examples/scp-protect-guardrails.json).",
            planes=("react",),
        ),
    ),
    options=("exemption_approvers",),
    kinds=(),
    cloudformation_types=(),
    terraform_types=(),
    triggers=(
        Trigger(
            "ec2.amazonaws.com",
            ("CreateTags", "DeleteTags"),
            tag_keys="requestParameters.tagSet.items.key",
        ),
        Trigger(
            "s3.amazonaws.com",
            ("PutBucketTagging",),
            tag_keys="requestParameters.Tagging.TagSet.Tag.Key",
        ),
        Trigger(
            "cloudtrail.amazonaws.com",
            ("AddTags", "RemoveTags"),
            tag_keys="requestParameters.tagsList.key",
        ),
        Trigger(
            "rds.amazonaws.com",
            ("AddTagsToResource", "RemoveTagsFromResource"),
            tag_keys="requestParameters.tags.key",
        ),
    ),
    config_rules=(),
    fix=Fix(
        "ExemptionTagsRemediation",
        iam=(
            IamGrant(
                ("ec2:DeleteTags",),
                "arn:{partition}:ec2:{region}:{account}:security-group/*",
                "remove an unapproved exemption tag from a security group of this account",
            ),
            IamGrant(
                ("s3:GetBucketTagging", "s3:PutBucketTagging"),
                "arn:{partition}:s3:::*",
                "remove an unapproved exemption tag from a bucket of this account, "
                "keeping its other tags",
            ),
            IamGrant(
                ("cloudtrail:RemoveTags",),
                "arn:{partition}:cloudtrail:{region}:{account}:trail/*",
                "remove an unapproved exemption tag from a trail of this account",
            ),
            IamGrant(
                ("rds:RemoveTagsFromResource",),
                "arn:{partition}:rds:{region}:{account}:db:*",
                "remove an unapproved exemption tag from a DB instance of this account",
            ),
        ),
        undo=(
            Undo("ec2", "create_tags", "Resources"),
            Undo(
                "s3",
                "put_bucket_tagging",
                "Bucket",
                read="get_bucket_tagging",
                path="TagSet",
                merge="Tagging.TagSet",
            ),
            Undo("cloudtrail", "add_tags", "ResourceId"),
            Undo("rds", "add_tags_to_resource", "ResourceName"),
        ),
    ),
    construct="ExemptionTagsGuardrail",
    construct_doc="""Reports every exemption tag set or removed, and removes unapproved ones.

    * react: successful ``CreateTags``/``DeleteTags`` (security groups),
      ``PutBucketTagging``, ``AddTags``/``RemoveTags`` (trails) and
      ``AddTagsToResource``/``RemoveTagsFromResource`` (DB instances) whose tags include
      the exemption tag key invoke the Lambda (the EventBridge rules filter on the key, so
      ordinary tagging never reaches it); an exemption set by a principal outside
      ``exemption_approvers`` is removed in remediate mode.
    """,
    docs="""\
Who counts as an approver: a principal whose ARN, or whose role's ARN (for an assumed-role
session), matches one of the `exemptionApprovers` patterns (`fnmatch`, `*` allowed). The
tag itself does not say who set it, so the guardrail enforces the list at the moment the
tag is set: an unapproved exemption is removed right away (remediate) and reported either
way. An exemption that predates the guardrail, or was set while this policy was `off` or
`notify`, still counts: review them with `aws resourcegroupstaggingapi get-resources
--tag-filters Key=SecurityExemption`.

Tag matching is the documented one (key and value case-insensitive: `True` counts). The
notification carries the reason and end date when the same call set
`SecurityExemptionReason` and `SecurityExemptionExpires`.

`DeleteBucketTagging` is not watched: it removes every tag and names none, and removing
an exemption is never a way around the guardrail.

To stop unapproved exemptions before they happen, restrict the tag key with an SCP
(`aws:TagKeys` on `ec2:CreateTags`, `cloudtrail:AddTags`, `rds:AddTagsToResource`; S3's
`PutBucketTagging` has no tag-key condition, which is why the react plane watches it).
""",
)
