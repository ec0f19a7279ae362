"""Spec of ``redshift-public-access``: no Redshift cluster reachable from the internet
(FSBP Redshift.1)."""

from __future__ import annotations

from guardrails_runtime.model import RuleInfo
from guardrails_runtime.spec import ConfigRule, Fix, IamGrant, PolicySpec, Trigger, Undo

POLICY = "redshift-public-access"

SPEC = PolicySpec(
    id=POLICY,
    title="No publicly accessible Redshift cluster",
    summary="No Redshift cluster is publicly accessible (a public address the internet can "
    "reach through one security-group mistake).",
    rules=(
        RuleInfo(
            id="GR-RS1",
            policy=POLICY,
            level="error",
            info="Redshift cluster is publicly accessible.",
            explanation=(
                "A publicly accessible cluster gets a public IP address; with an open "
                "security group the warehouse is one password away from the internet."
            ),
            fix="Set PubliclyAccessible: false (publicly_accessible = false) and reach the "
            "cluster through the VPC, a VPN or Redshift's managed VPC endpoints.",
        ),
        RuleInfo(
            id="GR-RS2",
            policy=POLICY,
            level="warning",
            info="Redshift public accessibility could not be evaluated: the flag is "
            "unresolved or left out.",
            explanation="An unresolved or absent PubliclyAccessible may be true.",
            fix="Set PubliclyAccessible: false explicitly.",
            planes=("prevent",),
        ),
    ),
    options=(),
    kinds=("redshift-cluster",),
    cloudformation_types=("AWS::Redshift::Cluster",),
    terraform_types=("aws_redshift_cluster",),
    triggers=(
        Trigger(
            "redshift.amazonaws.com",
            ("CreateCluster", "ModifyCluster", "RestoreFromClusterSnapshot"),
        ),
    ),
    config_rules=(
        ConfigRule(
            "REDSHIFT_CLUSTER_PUBLIC_ACCESS_CHECK",
            "redshift-public-access",
            "Redshift clusters are not publicly accessible",
            scope=("AWS::Redshift::Cluster",),
        ),
    ),
    fix=Fix(
        "RedshiftPublicAccessRemediation",
        iam=(
            IamGrant(
                ("redshift:DescribeClusters", "redshift:ModifyCluster"),
                "arn:{partition}:redshift:{region}:{account}:cluster:*",
                "re-read any cluster of this account/region and make it private",
            ),
        ),
        undo=(Undo("redshift", "modify_cluster", "ClusterIdentifier"),),
        config_resource_types=("AWS::Redshift::Cluster",),
    ),
    construct="RedshiftPublicAccessGuardrail",
    construct_doc="""Makes a publicly accessible Redshift cluster private again.

    * react: successful ``CreateCluster``, ``ModifyCluster`` and
      ``RestoreFromClusterSnapshot`` calls that leave the cluster public invoke the
      remediation Lambda, which calls ``ModifyCluster(PubliclyAccessible=False)``;
    * detect: AWS Config ``REDSHIFT_CLUSTER_PUBLIC_ACCESS_CHECK``, NON_COMPLIANT routed to
      the same Lambda (it also catches clusters that were still being created);
    * prevent: ``AWS::Redshift::Cluster`` / ``aws_redshift_cluster`` with the flag true.
    """,
    docs="""\
A cluster that is still being created or restored cannot be modified: the decision is then
`notified`, and the Config rule's NON_COMPLIANT evaluation, once the cluster is available,
brings it back to the fix. A change scheduled but not yet applied
(`PendingModifiedValues.PubliclyAccessible`) is judged like an applied one.

Defaults: the Terraform AWS provider v5 sends `publicly_accessible = true` when the
attribute is left out, so the plan shows true and the scan errors; CloudFormation leaves
an absent flag to the service, judged a warning (GR-RS2): set it explicitly.

Tags: the exemption tag on the cluster (its description carries `Tags`).
""",
)
