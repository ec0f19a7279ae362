"""Reactive plane of ``ebs-encryption``: switch EBS encryption by default back on.

Trigger: a successful ``DisableEbsEncryptionByDefault`` call, or a NON_COMPLIANT
evaluation of the ``EC2_EBS_ENCRYPTION_BY_DEFAULT`` Config rule. One read
(``GetEbsEncryptionByDefault``); if the setting is still off and the account is not
exempt, one write (``EnableEbsEncryptionByDefault``). The setting belongs to the account
and region, which carry no tags, so exemption is by configuration: the account ids in
``GUARDRAILS_EXEMPT_ACCOUNTS`` (context ``guardrails:exemptAccounts``).
"""

from __future__ import annotations

from guardrails_runtime.adapters.ebs_encryption_default import from_api
from guardrails_runtime.model import Change, Decision, Outcome, UndoCall
from guardrails_runtime.policies.ebs_encryption.policy import evaluate
from guardrails_runtime.policies.ebs_encryption.spec import SPEC
from guardrails_runtime.remediations.base import Context, WholeRegion, enforce
from guardrails_runtime.settings import RuntimeSettings
from guardrails_runtime.shell import command, region_args

DISABLE = "DisableEbsEncryptionByDefault"


class EbsEncryptionRemediation(WholeRegion):
    """Re-enable EBS encryption by default."""

    spec = SPEC

    def exemption_hint(self, outcome: Outcome, settings: RuntimeSettings) -> str | None:
        return (
            f"add account {outcome.account or '<account>'} to guardrails:exemptAccounts "
            "(GUARDRAILS_EXEMPT_ACCOUNTS) and redeploy"
        )

    def enforce_region(self, ctx: Context, outcome: Outcome) -> Outcome:
        ec2 = ctx.clients.get("ec2", outcome.region)
        outcome.resource = f"ebs-encryption-by-default/{outcome.region or 'default-region'}"
        violations = evaluate(
            from_api(ec2.get_ebs_encryption_by_default()), ctx.settings.policy_options()
        )
        if not violations:
            outcome.decision, outcome.reason = Decision.COMPLIANT, "EBS encryption by default is on"
            return outcome
        outcome.rule, why = violations[0].rule, violations[0].message
        outcome.changes = [
            Change(
                "ec2:EnableEbsEncryptionByDefault",
                outcome.resource,
                {"ebsEncryptionByDefault": True, "after": True},
                command(
                    "aws", "ec2", "disable-ebs-encryption-by-default", *region_args(outcome.region)
                ),
                UndoCall("ec2", "disable_ebs_encryption_by_default", {}),
            )
        ]
        exempt = outcome.account and outcome.account in ctx.settings.exempt_accounts

        def act() -> str:
            ec2.enable_ebs_encryption_by_default()
            return "switched back on"

        return enforce(
            outcome,
            ctx,
            why=why,
            act=act,
            exempt=f"account {outcome.account} is exempt" if exempt else None,
        )
