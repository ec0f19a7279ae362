"""Load: 1,000 events back to back through the handler against moto; nothing lost."""

from __future__ import annotations

import pytest
from helpers import ingress, replay_load

from guardrails_runtime.model import Decision


@pytest.mark.usefixtures("aws")
def test_thousand_events_back_to_back() -> None:
    outcomes, group_ids, seconds, ec2 = replay_load(1000)
    assert len(outcomes) == 1000  # one outcome per event, none dropped
    decisions = [o.decision for o in outcomes]
    assert decisions.count(Decision.REMEDIATED) == 667
    assert decisions.count(Decision.COMPLIANT) == 333
    # Every group ends closed to SSH, with its public HTTPS entry kept.
    for group in group_ids:
        assert {p.get("FromPort") for p in ingress(ec2, group)} == {443}
    print(f"\n1000 events in {seconds:.2f} s of handler time ({1000 / seconds:.0f} events/s)")
