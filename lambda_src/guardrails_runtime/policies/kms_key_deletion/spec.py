"""Spec of ``kms-key-deletion``: no customer managed KMS key scheduled for deletion (FSBP
KMS.3)."""

from __future__ import annotations

from guardrails_runtime.model import RuleInfo
from guardrails_runtime.spec import ConfigRule, Fix, IamGrant, PolicySpec, Trigger, Undo

POLICY = "kms-key-deletion"

SPEC = PolicySpec(
    id=POLICY,
    title="No KMS key scheduled for deletion",
    summary="No customer managed KMS key is scheduled for deletion: once deleted, every "
    "object encrypted under it is unreadable for good.",
    rules=(
        RuleInfo(
            id="GR-KMS1",
            policy=POLICY,
            level="error",
            info="A customer managed KMS key is scheduled for deletion.",
            explanation=(
                "Deleting a KMS key is irreversible: data encrypted under it (volumes, "
                "buckets, databases, backups) can no longer be decrypted. An attacker or a "
                "mistake only needs one call and the waiting period."
            ),
            fix="Cancel the deletion (aws kms cancel-key-deletion) and enable the key; "
            "disable a key you want to retire instead, and delete it only through a "
            "reviewed change with the exemption tag.",
            planes=("detect", "react"),
        ),
    ),
    options=(),
    kinds=(),
    cloudformation_types=(),
    terraform_types=(),
    triggers=(Trigger("kms.amazonaws.com", ("ScheduleKeyDeletion",)),),
    config_rules=(
        ConfigRule(
            "KMS_CMK_NOT_SCHEDULED_FOR_DELETION",
            "kms-key-deletion",
            "customer managed KMS keys are not scheduled for deletion",
            scope=("AWS::KMS::Key",),
        ),
    ),
    fix=Fix(
        "KmsKeyDeletionRemediation",
        iam=(
            IamGrant(
                (
                    "kms:DescribeKey",
                    "kms:ListResourceTags",
                    "kms:CancelKeyDeletion",
                    "kms:EnableKey",
                ),
                "arn:{partition}:kms:{region}:{account}:key/*",
                "re-read any KMS key of this account/region, cancel its deletion and "
                "enable it again",
            ),
        ),
        undo=(Undo("kms", "schedule_key_deletion", "KeyId"),),
        config_resource_types=("AWS::KMS::Key",),
    ),
    construct="KmsKeyDeletionGuardrail",
    construct_doc="""Cancels the scheduled deletion of a customer managed KMS key.

    * react: a successful ``ScheduleKeyDeletion`` invokes the remediation Lambda, which
      calls ``CancelKeyDeletion`` and then ``EnableKey`` (a cancelled key stays disabled);
    * detect: AWS Config ``KMS_CMK_NOT_SCHEDULED_FOR_DELETION``, NON_COMPLIANT routed to
      the same Lambda.
    """,
    docs="""\
The fix is two calls, `CancelKeyDeletion` then `EnableKey`: KMS leaves a cancelled key
disabled, and a disabled key breaks everything that decrypts with it. KMS does not say
whether the key was enabled before its deletion was scheduled (scheduling disables it), so
a key that was already disabled is enabled as well; exempt such a key with the tag if it
must stay disabled. AWS managed keys cannot be scheduled for deletion and are never
touched; a multi-Region primary waiting for its replicas (`PendingReplicaDeletion`) is
treated like a pending deletion.

Undo schedules the deletion again with the waiting period left at the time of the fix
(at least 7 days, the KMS minimum), which also disables the key as before.

Tags: the exemption tag on the key (`ListResourceTags`, TagKey/TagValue). The
guardrail's own key is covered like any other: scheduling its deletion is reverted.
""",
)
