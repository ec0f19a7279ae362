"""Spec of ``rds-snapshot-public``: no public RDS snapshot (FSBP RDS.1, DocumentDB.3)."""

from __future__ import annotations

from guardrails_runtime.model import RuleInfo
from guardrails_runtime.spec import ConfigRule, Fix, IamGrant, PolicySpec, Trigger, Undo

POLICY = "rds-snapshot-public"
SNAPSHOTS = "arn:{partition}:rds:{region}:{account}:snapshot:*"
CLUSTER_SNAPSHOTS = "arn:{partition}:rds:{region}:{account}:cluster-snapshot:*"

SPEC = PolicySpec(
    id=POLICY,
    title="No public RDS snapshot",
    summary="No manual RDS DB snapshot or cluster snapshot (RDS, Aurora, DocumentDB) is "
    "restorable by every AWS account.",
    rules=(
        RuleInfo(
            id="GR-RDSS1",
            policy=POLICY,
            level="error",
            info="RDS snapshot is public: every AWS account may restore it.",
            explanation=(
                "A public snapshot is a full copy of the database that any AWS customer "
                "can restore into their own account and read."
            ),
            fix="Share the snapshot with named accounts only; encrypt snapshots with a "
            "customer managed key (encrypted snapshots cannot be made public).",
            planes=("detect", "react"),
        ),
    ),
    options=(),
    kinds=(),
    cloudformation_types=(),
    terraform_types=(),
    triggers=(
        Trigger(
            "rds.amazonaws.com",
            ("ModifyDBSnapshotAttribute", "ModifyDBClusterSnapshotAttribute"),
        ),
    ),
    config_rules=(
        ConfigRule(
            "RDS_SNAPSHOTS_PUBLIC_PROHIBITED",
            "rds-snapshot-public",
            "RDS snapshots are not public",
            scope=("AWS::RDS::DBSnapshot", "AWS::RDS::DBClusterSnapshot"),
        ),
    ),
    fix=Fix(
        "RdsSnapshotPublicRemediation",
        iam=(
            IamGrant(
                (
                    "rds:DescribeDBSnapshots",
                    "rds:DescribeDBSnapshotAttributes",
                    "rds:ModifyDBSnapshotAttribute",
                ),
                SNAPSHOTS,
                "re-read a DB snapshot's restore attribute and tags, and remove 'all' from it",
            ),
            IamGrant(
                (
                    "rds:DescribeDBClusterSnapshots",
                    "rds:DescribeDBClusterSnapshotAttributes",
                    "rds:ModifyDBClusterSnapshotAttribute",
                ),
                CLUSTER_SNAPSHOTS,
                "the same for a DB cluster snapshot",
            ),
        ),
        undo=(
            Undo("rds", "modify_db_snapshot_attribute", "DBSnapshotIdentifier"),
            Undo("rds", "modify_db_cluster_snapshot_attribute", "DBClusterSnapshotIdentifier"),
        ),
        config_resource_types=("AWS::RDS::DBSnapshot", "AWS::RDS::DBClusterSnapshot"),
    ),
    construct="RdsSnapshotPublicGuardrail",
    construct_doc="""Makes a public RDS snapshot private again, keeping its named accounts.

    * react: successful ``ModifyDBSnapshotAttribute`` and ``ModifyDBClusterSnapshotAttribute``
      calls invoke the remediation Lambda, which re-reads the ``restore`` attribute and
      removes ``all`` from it (``ValuesToRemove=["all"]``);
    * detect: AWS Config ``RDS_SNAPSHOTS_PUBLIC_PROHIBITED``, NON_COMPLIANT routed to the
      same Lambda.
    """,
    docs="""\
Only `all` is removed: accounts the snapshot is shared with by id keep their permission.
DocumentDB and Neptune cluster snapshots are shared through the same RDS API (their calls
come from `rds.amazonaws.com`), so they are covered too. The fix judges the snapshot as it
is when the Lambda runs.

The Config rule's evaluations name the snapshot by identifier (an ARN is accepted too); the
rule may take up to 12 hours to report, the CloudTrail route seconds.

Tags: the exemption tag on the snapshot (its `TagList`).
""",
)
