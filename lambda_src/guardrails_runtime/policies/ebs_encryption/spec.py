"""Spec of ``ebs-encryption``: EBS encryption by default stays on; volumes are encrypted."""

from __future__ import annotations

from guardrails_runtime.model import RuleInfo
from guardrails_runtime.spec import ConfigRule, Fix, IamGrant, PolicySpec, Trigger, Undo

POLICY = "ebs-encryption"

SPEC = PolicySpec(
    id=POLICY,
    title="EBS encryption stays on",
    summary="EBS encryption by default stays on in every account and region; volumes are "
    "encrypted.",
    rules=(
        RuleInfo(
            id="GR-EBS1",
            policy=POLICY,
            level="error",
            info="EBS volume is not encrypted, or EBS encryption by default is switched off.",
            explanation=(
                "Unencrypted volumes and their snapshots expose data to anyone who can copy or "
                "share them; an existing volume cannot be encrypted in place."
            ),
            fix="Set Encrypted: true (encrypted = true) on the volume, and keep "
            "aws_ebs_encryption_by_default enabled.",
        ),
        RuleInfo(
            id="GR-EBS2",
            policy=POLICY,
            level="warning",
            info="EBS encryption could not be evaluated: a value is unresolved.",
            explanation="The encryption setting depends on a value known only at deploy time.",
            fix="Use a literal true, or a parameter with a default.",
        ),
    ),
    options=("exempt_accounts", "ebs_encrypted_by_default"),
    kinds=("volume", "ebs-default"),
    cloudformation_types=("AWS::EC2::Volume",),
    terraform_types=("aws_ebs_volume", "aws_ebs_encryption_by_default"),
    triggers=(Trigger("ec2.amazonaws.com", ("DisableEbsEncryptionByDefault",)),),
    config_rules=(
        ConfigRule(
            "EC2_EBS_ENCRYPTION_BY_DEFAULT",
            "ebs-encryption-by-default",
            "EBS encryption by default is on",
        ),
        ConfigRule(
            "ENCRYPTED_VOLUMES",
            "ebs-encrypted-volumes",
            "attached EBS volumes are encrypted (reported only: no in-place fix)",
            scope=("AWS::EC2::Volume",),
            route=False,
        ),
    ),
    fix=Fix(
        "EbsEncryptionRemediation",
        iam=(
            IamGrant(
                ("ec2:GetEbsEncryptionByDefault", "ec2:EnableEbsEncryptionByDefault"),
                "*",
                "the EBS encryption-by-default setting is account-wide: no resource-level "
                "permissions",
            ),
        ),
        undo=(
            Undo(
                "ec2",
                "disable_ebs_encryption_by_default",
                read="get_ebs_encryption_by_default",
                path="EbsEncryptionByDefault",
            ),
        ),
        config_resource_types=("AWS::::Account",),
    ),
    construct="EbsGuardrail",
    construct_doc="""Switches EBS encryption by default back on when someone switches it off.

    * react: a successful ``DisableEbsEncryptionByDefault`` call invokes the remediation
      Lambda, which re-enables the setting (exempt accounts: ``exempt_accounts``);
    * detect: AWS Config ``EC2_EBS_ENCRYPTION_BY_DEFAULT`` (NON_COMPLIANT routed to the
      Lambda) and ``ENCRYPTED_VOLUMES`` (reported only: a volume cannot be encrypted in
      place).
    """,
)
