"""Spec of ``rds-public-access``: no RDS DB instance reachable from the internet (FSBP RDS.2)."""

from __future__ import annotations

from guardrails_runtime.model import RuleInfo
from guardrails_runtime.spec import ConfigRule, Fix, IamGrant, PolicySpec, Trigger, Undo

POLICY = "rds-public-access"
DB_INSTANCES = "arn:{partition}:rds:{region}:{account}:db:*"

SPEC = PolicySpec(
    id=POLICY,
    title="No publicly accessible RDS DB instance",
    summary="No RDS DB instance is publicly accessible (PubliclyAccessible: true gives it an "
    "address the internet can resolve and, with an open security group, reach).",
    rules=(
        RuleInfo(
            id="GR-RDS1",
            policy=POLICY,
            level="error",
            info="RDS DB instance is publicly accessible.",
            explanation=(
                "A publicly accessible instance gets a public DNS name and address; one "
                "security-group mistake then exposes the database to the internet."
            ),
            fix="Set PubliclyAccessible: false (publicly_accessible = false) and reach the "
            "database through the VPC, a VPN or a bastion.",
        ),
        RuleInfo(
            id="GR-RDS2",
            policy=POLICY,
            level="warning",
            info="RDS public accessibility could not be evaluated: the flag is unresolved "
            "or left to AWS.",
            explanation=(
                "An unresolved PubliclyAccessible, or one left out (AWS then makes the "
                "instance public when its VPC has an internet gateway), may be true."
            ),
            fix="Set PubliclyAccessible: false explicitly.",
        ),
    ),
    options=(),
    kinds=("db-instance",),
    cloudformation_types=("AWS::RDS::DBInstance",),
    terraform_types=("aws_db_instance",),
    triggers=(
        Trigger(
            "rds.amazonaws.com",
            (
                "CreateDBInstance",
                "ModifyDBInstance",
                "RestoreDBInstanceFromDBSnapshot",
                "RestoreDBInstanceToPointInTime",
            ),
        ),
    ),
    config_rules=(
        ConfigRule(
            "RDS_INSTANCE_PUBLIC_ACCESS_CHECK",
            "rds-public-access",
            "RDS DB instances are not publicly accessible",
            scope=("AWS::RDS::DBInstance",),
        ),
    ),
    fix=Fix(
        "RdsPublicAccessRemediation",
        iam=(
            IamGrant(
                ("rds:DescribeDBInstances", "rds:ModifyDBInstance"),
                DB_INSTANCES,
                "re-read any DB instance of this account/region and make it private",
            ),
        ),
        undo=(Undo("rds", "modify_db_instance", "DBInstanceIdentifier"),),
        config_resource_types=("AWS::RDS::DBInstance",),
        tagged="rds",
    ),
    construct="RdsPublicAccessGuardrail",
    construct_doc="""Makes a publicly accessible RDS DB instance private again.

    * react: successful ``CreateDBInstance``, ``ModifyDBInstance``,
      ``RestoreDBInstanceFromDBSnapshot`` and ``RestoreDBInstanceToPointInTime`` calls
      that leave the instance public invoke the remediation Lambda, which calls
      ``ModifyDBInstance(PubliclyAccessible=False, ApplyImmediately=True)``;
    * detect: AWS Config ``RDS_INSTANCE_PUBLIC_ACCESS_CHECK``, NON_COMPLIANT routed to
      the same Lambda (it also catches instances that were still being created).
    """,
    docs="""\
An instance that is still being created or restored cannot be modified yet: the decision
is then `notified` ("will be fixed when available"), and the Config rule's NON_COMPLIANT
evaluation, recorded once the instance exists, brings it back to the fix. A change that is
scheduled for the next maintenance window (`PendingModifiedValues.PubliclyAccessible`) is
judged like an applied one.

Tags: the exemption tag on the DB instance (`ListTagsForResource` is not needed: the
instance description carries its `TagList`).
""",
)
