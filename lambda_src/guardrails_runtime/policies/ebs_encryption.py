"""Policy ``ebs-encryption``: EBS encryption by default stays on in every account and region.

Pure logic; the reactive plane (``remediations.ebs_encryption``) reads the account
setting and calls this. Volumes created before the setting was on are the Config rule
``ENCRYPTED_VOLUMES``'s to report: an existing volume cannot be encrypted in place.
"""

from __future__ import annotations

POLICY = "ebs-encryption"


def default_encryption_violation(enabled: bool) -> str | None:
    """Why the account setting violates the policy, or None when it is on."""
    return None if enabled else "EBS encryption by default is off for this account and region"
