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
    either could be. A volume whose encryption the source leaves to the default is not
    judged."""
    del options
    if isinstance(facts, Volume):
        if facts.encrypted is None:
            return []
        (location, value), what = facts.encrypted, "the volume is not encrypted"
    else:
        (location, value), what = facts.enabled, "EBS encryption by default is switched off"
    if isinstance(value, Unresolved):
        return [Violation("GR-EBS2", value.why, value.where or location)]
    if value is not True:
        return [Violation("GR-EBS1", f"{what} ({location} is {value!r})", location)]
    return []
