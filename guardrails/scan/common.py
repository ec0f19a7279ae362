"""What the template and plan readers share: turning one ingress rule into entries."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from guardrails_runtime.model import IngressEntry, SourceKind, Unresolved
from guardrails_runtime.policies.sg_open_ingress.policy import (
    InvalidEntryError,
    is_world_open,
    parse_port,
)


def ingress_entries(
    sources: list[tuple[str, SourceKind, Any]],
    protocol: Any,
    ports: Mapping[str, Any],
    prefix: str,
) -> list[tuple[str, IngressEntry | Unresolved]]:
    """``(location, entry)`` per CIDR source of one rule.

    ``sources`` are ``(location, kind, value)``; ``ports`` maps the source's own port key
    names (``FromPort``/``from_port``...) to raw values, ``from`` first. A value that is
    unknown or malformed makes the entry Unresolved, but only where it matters: a private
    source is compliant whatever its ports, so it is left out.
    """
    problems = [v for v in (protocol, *ports.values()) if isinstance(v, Unresolved)]
    if not isinstance(protocol, Unresolved | str | int | None) or isinstance(protocol, bool):
        problems.append(Unresolved(f"{prefix}protocol", f"protocol {protocol!r} is not a protocol"))
    parsed: list[int | None] = []
    for key, raw in ports.items():
        if isinstance(raw, Unresolved):
            parsed.append(None)
            continue
        try:
            parsed.append(parse_port(raw))
        except InvalidEntryError:
            problems.append(Unresolved(f"{prefix}{key}", f"{key} {raw!r} is not a port number"))
            parsed.append(None)
    out: list[tuple[str, IngressEntry | Unresolved]] = []
    for where, kind, source in sources:
        if isinstance(source, Unresolved):
            out.append((where, source))
            continue
        if source is None or kind not in (SourceKind.IPV4, SourceKind.IPV6):
            continue  # references and prefix lists are never world-open
        text = str(source)
        try:
            world = is_world_open(text)
        except InvalidEntryError:
            out.append((where, Unresolved(where, f"{text!r} is not a CIDR")))
            continue
        if problems:
            if world:
                out.append((where, problems[0]))
            continue
        out.append(
            (
                where,
                IngressEntry(
                    "-1" if protocol is None else str(protocol), parsed[0], parsed[1], text, kind
                ),
            )
        )
    return out
