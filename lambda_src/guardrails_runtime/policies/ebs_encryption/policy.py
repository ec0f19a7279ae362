"""Policy ``ebs-encryption``: EBS encryption by default stays on in every account and region.

Pure logic over the adapters' facts; the reactive plane reads the account setting
(``GetEbsEncryptionByDefault``) and calls the same ``evaluate``. Volumes created before
the setting was on are the Config rule ``ENCRYPTED_VOLUMES``'s to report: an existing
volume cannot be encrypted in place.
"""

from __future__ import annotations

from guardrails_runtime.adapters.ebs_encryption_default import EbsDefault
from guardrails_runtime.adapters.ec2_volume import Volume
from guardrails_runtime.model import PolicyOptions, Unresolved, Violation

POLICY = "ebs-encryption"


def evaluate(facts: Volume | EbsDefault, options: PolicyOptions) -> list[Violation]:
    """GR-EBS1 when a volume is unencrypted or the account default is off; GR-EBS2 when
    either could be. A volume that leaves encryption unset is encrypted only where the
    account default is on, which a template does not show: GR-EBS1 (it says so), unless
    ``ebs_encrypted_by_default`` (the accounts enforce it); with a KMS key named it is a
    deployment error in any account, reported as such."""
    if isinstance(facts, Volume):
        (location, value), what = facts.encrypted, "the volume is not encrypted"
        if value is None:
            return _unset(location, facts.key, options)
    else:
        (location, value), what = facts.enabled, "EBS encryption by default is switched off"
    if isinstance(value, Unresolved):
        return [Violation("GR-EBS2", value.why, value.where or location)]
    if value is not True:
        return [Violation("GR-EBS1", f"{what} ({location} is {value!r})", location)]
    return []


def _unset(location: str, key: str, options: PolicyOptions) -> list[Violation]:
    if key:
        return [
            Violation(
                "GR-EBS1",
                f"{key} names a KMS key but {location} is absent: EC2 (and CloudFormation) "
                f"accept a key only with {location} true, so this volume fails to create",
                location,
            )
        ]
    if options.ebs_encrypted_by_default:
        return []
    return [
        Violation(
            "GR-EBS1",
            f"{location} is absent: the volume is encrypted only where EBS encryption by "
            "default is on in its account and region (scan with --ebs-encrypted-by-default "
            "where the accounts enforce it)",
            location,
        )
    ]
