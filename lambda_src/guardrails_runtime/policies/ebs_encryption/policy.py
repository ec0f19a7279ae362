"""Policy ``ebs-encryption``: EBS encryption by default stays on in every account and region.

Pure logic; the reactive plane (``remediations.ebs_encryption``) reads the account
setting and calls this. Volumes created before the setting was on are the Config rule
``ENCRYPTED_VOLUMES``'s to report: an existing volume cannot be encrypted in place.
"""

from __future__ import annotations

from guardrails_runtime.model import PolicyOptions, Subject, Unresolved, Violation

POLICY = "ebs-encryption"


def default_encryption_violation(enabled: bool) -> str | None:
    """Why the account setting violates the policy, or None when it is on."""
    return None if enabled else "EBS encryption by default is off for this account and region"


# --- static plane (templates and plans) ---------------------------------------------------

KINDS = ("volume", "ebs-default")


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
