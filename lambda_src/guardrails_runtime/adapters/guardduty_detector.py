"""Adapter of ``AWS::GuardDuty::Detector``: whether GuardDuty watches the region.

Facts (:class:`Detector`) from templates and plans (``Enable`` / ``enable``), and from the
live API: ``ListDetectors`` then ``GetDetector`` (``Status``, ``Tags``); a region with no
detector at all is one :class:`Detector` with ``exists=False``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from guardrails_runtime.model import Unresolved


class Detector(NamedTuple):
    enabled: bool | Unresolved | None
    where: str
    detector_id: str | None = None
    exists: bool = True
    tags: tuple[tuple[str, str], ...] = ()


MISSING = Detector(None, "ListDetectors", exists=False)


def from_api(detector_id: str, item: Mapping[str, Any]) -> Detector:
    """``GetDetector``'s answer."""
    tags = item.get("Tags")
    return Detector(
        enabled=str(item.get("Status", "")).upper() == "ENABLED",
        where="Status",
        detector_id=detector_id,
        tags=tuple(
            (str(k), str(v)) for k, v in (tags if isinstance(tags, Mapping) else {}).items()
        ),
    )
