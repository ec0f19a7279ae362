"""Policy ``ebs-encryption``: EBS encryption by default stays on in every account and region.

Pure logic; the reactive plane (``remediations.ebs_encryption``) reads the account
setting and calls this. Volumes created before the setting was on are the Config rule
``ENCRYPTED_VOLUMES``'s to report: an existing volume cannot be encrypted in place.
"""

from __future__ import annotations

from guardrails_runtime.model import PolicyOptions, RuleInfo, Subject, Unresolved, Violation

POLICY = "ebs-encryption"


def default_encryption_violation(enabled: bool) -> str | None:
    """Why the account setting violates the policy, or None when it is on."""
    return None if enabled else "EBS encryption by default is off for this account and region"


# --- static plane (templates and plans) ---------------------------------------------------

KINDS = ("volume", "ebs-default")

RULES = (
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
)


def check(subject: Subject, options: PolicyOptions) -> list[Violation]:
    """Static check: ``facts["encrypted"]`` (a volume) or ``facts["enabled"]`` (the
    account default), each ``(location, bool | Unresolved)``; absent facts are not judged."""
    del options
    key = "encrypted" if subject.kind == "volume" else "enabled"
    if key not in subject.facts:
        return []
    location, value = subject.facts[key]
    if isinstance(value, Unresolved):
        return [Violation("GR-EBS2", value.why, value.where or location)]
    if value is not True:
        what = (
            "the volume is not encrypted"
            if key == "encrypted"
            else ("EBS encryption by default is switched off")
        )
        return [Violation("GR-EBS1", f"{what} ({location} is {value!r})", location)]
    return []
