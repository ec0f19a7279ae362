"""Spec of ``ebs-snapshot-public``: no EBS snapshot restorable by everyone (FSBP EC2.1)."""

from __future__ import annotations

from guardrails_runtime.model import RuleInfo
from guardrails_runtime.spec import ConfigRule, Fix, IamGrant, PolicySpec, Trigger, Undo

POLICY = "ebs-snapshot-public"

SPEC = PolicySpec(
    id=POLICY,
    title="No public EBS snapshot",
    summary="No EBS snapshot is shared with every AWS account (createVolumePermission group "
    "'all'): anyone could create a volume from it and read the disk.",
    rules=(
        RuleInfo(
            id="GR-EBSP1",
            policy=POLICY,
            level="error",
            info="EBS snapshot is public: every AWS account may create volumes from it.",
            explanation=(
                "A public snapshot is a full copy of a disk that any AWS customer can "
                "restore: databases, keys and credentials on it are exposed."
            ),
            fix="Share the snapshot with named accounts only (account_id = the account, "
            'never "all"), or copy it encrypted with a customer managed key (encrypted '
            "snapshots cannot be made public).",
        ),
        RuleInfo(
            id="GR-EBSP2",
            policy=POLICY,
            level="warning",
            info="EBS snapshot sharing could not be evaluated: the account is unresolved.",
            explanation='An account_id known only after apply may be "all".',
            fix="Name the account explicitly.",
            planes=("prevent",),
        ),
    ),
    options=(),
    kinds=("ebs-snapshot",),
    cloudformation_types=(),
    terraform_types=("aws_snapshot_create_volume_permission",),
    triggers=(Trigger("ec2.amazonaws.com", ("ModifySnapshotAttribute",)),),
    config_rules=(
        ConfigRule(
            "EBS_SNAPSHOT_PUBLIC_RESTORABLE_CHECK",
            "ebs-snapshot-public",
            "EBS snapshots are not publicly restorable (periodic, per account: reported; "
            "the CloudTrail route fixes)",
            route=False,
        ),
    ),
    fix=Fix(
        "EbsSnapshotPublicRemediation",
        iam=(
            IamGrant(
                ("ec2:DescribeSnapshotAttribute", "ec2:DescribeSnapshots"),
                "*",
                "re-read a snapshot's volume permissions and tags (no resource-level "
                "permissions for Describe calls)",
            ),
            IamGrant(
                ("ec2:ModifySnapshotAttribute",),
                "arn:{partition}:ec2:{region}::snapshot/*",
                "remove the group 'all' from a snapshot's volume permissions",
            ),
        ),
        undo=(Undo("ec2", "modify_snapshot_attribute", "SnapshotId"),),
    ),
    construct="EbsSnapshotPublicGuardrail",
    construct_doc="""Makes a public EBS snapshot private again, keeping its named accounts.

    * react: a successful ``ModifySnapshotAttribute`` invokes the remediation Lambda, which
      re-reads the snapshot's ``createVolumePermission`` and removes the group ``all``
      (``ModifySnapshotAttribute OperationType=remove GroupNames=[all]``);
    * detect: AWS Config ``EBS_SNAPSHOT_PUBLIC_RESTORABLE_CHECK`` (periodic, reported);
    * prevent: Terraform ``aws_snapshot_create_volume_permission`` with ``account_id =
      "all"``.
    """,
    docs="""\
Only the group `all` is removed: accounts the snapshot is shared with by id keep their
permission (sharing with a named account is a decision, not a leak). The fix judges the
snapshot as it is when the Lambda runs, not as the record says, so a call that shared
with one account and a later one that made it public are both judged on the live state.

The Config rule is periodic and evaluates the account, not a snapshot, so its
NON_COMPLIANT result is reported and not routed to the fix: a snapshot made public before
the guardrail was deployed is found by the rule and fixed by hand (`aws ec2
modify-snapshot-attribute --snapshot-id ID --attribute createVolumePermission
--operation-type remove --group-names all`). EBS snapshot block public access
(`EnableSnapshotBlockPublicAccess`) prevents all of this account-wide and is worth turning
on beside the guardrail.

Tags: the exemption tag on the snapshot (`DescribeSnapshots`). In a Terraform plan the
permission is judged with the tags of the `aws_ebs_snapshot` its `snapshot_id` names.
""",
)
