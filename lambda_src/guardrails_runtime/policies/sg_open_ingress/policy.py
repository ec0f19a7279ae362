"""Policy ``sg-open-ingress``: no ingress from the whole internet outside the allowed ports.

Pure logic over :class:`~guardrails_runtime.model.IngressEntry`; no AWS, no CDK.

Rules of interpretation (the same in every plane):

* World-open means an IPv4 or IPv6 network whose prefix length is 0, however it is
  spelled: ``0.0.0.0/0``, ``192.168.1.0/0``, ``::/0`` and ``0000::/0`` all are;
  ``0.0.0.0/16`` is not.
* TCP and UDP entries are judged by the ports they cover; a range violates when it
  covers any port outside ``allowed_ports`` (defaults 80 and 443, for TCP and UDP alike,
  so HTTP/3 on UDP 443 is allowed). Absent ports, ``-1`` and inverted ranges count by
  the widest reading (absent = every port; ``(443, 80)`` = 80..443).
* Protocol ``-1``/``all`` covers every port of every protocol, so it always violates.
* Other protocols (ICMP, ICMPv6, GRE, ESP, any number) have no ports to allow: open to
  the world they violate. Tag the group with the exemption tag where that is intended.
* Prefix lists and security-group references are never world-open here: their
  contents are managed elsewhere and are not read.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterable
from typing import TYPE_CHECKING, NamedTuple

from guardrails_runtime.model import (
    IngressEntry,
    PolicyOptions,
    SourceKind,
    Unresolved,
    Violation,
)

if TYPE_CHECKING:  # the adapter imports this module's parsing helpers
    from guardrails_runtime.adapters.ec2_security_group import Ingress

POLICY = "sg-open-ingress"
DEFAULT_ALLOWED_PORTS: frozenset[int] = frozenset({80, 443})

MAX_PORT = 65535

_PROTOCOL_NAMES = {
    "-1": "all",
    "all": "all",
    "6": "tcp",
    "tcp": "tcp",
    "17": "udp",
    "udp": "udp",
    "1": "icmp",
    "icmp": "icmp",
    "58": "icmpv6",
    "icmpv6": "icmpv6",
    "ipv6-icmp": "icmpv6",
}
_PORTED = {"tcp", "udp"}


class InvalidEntryError(ValueError):
    """An entry whose source or ports cannot be interpreted."""


def normalize_protocol(protocol: object) -> str:
    """Map every spelling AWS accepts to one name: ``tcp``, ``udp``, ``icmp``, ``all``...

    >>> normalize_protocol("6"), normalize_protocol(-1), normalize_protocol("TCP")
    ('tcp', 'all', 'tcp')
    """
    text = str(protocol).strip().lower() if protocol is not None else "all"
    return _PROTOCOL_NAMES.get(text, text)


@functools.lru_cache(maxsize=4096)
def is_world_open(cidr: str) -> bool:
    """True when ``cidr`` is an IPv4 or IPv6 network of prefix length 0.

    Raises :class:`InvalidEntryError` for text that is not a network.

    >>> is_world_open("192.168.1.0/0"), is_world_open("0.0.0.0/16"), is_world_open("0000::/0")
    (True, False, True)
    """
    try:
        network = ipaddress.ip_network(str(cidr).strip(), strict=False)
    except ValueError as exc:
        raise InvalidEntryError(f"not an IP network: {cidr!r}") from exc
    return network.prefixlen == 0


def parse_port(value: object) -> int | None:
    """Read a port given as int, numeric string or nothing (``None``)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise InvalidEntryError(f"port is not a number: {value!r}")
    try:
        return int(str(value).strip())
    except ValueError as exc:
        raise InvalidEntryError(f"port is not a number: {value!r}") from exc


def port_span(entry: IngressEntry) -> tuple[int, int]:
    """The ports an entry covers, widest reading: absent or -1 means every port."""
    lo, hi = entry.from_port, entry.to_port
    if lo is None or hi is None or lo < 0 or hi < 0:
        return 0, MAX_PORT
    if lo > hi:
        lo, hi = hi, lo
    return max(lo, 0), min(hi, MAX_PORT)


def covers_disallowed_port(entry: IngressEntry, allowed_ports: Iterable[int]) -> bool:
    """True when the entry lets in any port (or port-less protocol) that is not allowed."""
    protocol = normalize_protocol(entry.protocol)
    if protocol not in _PORTED:
        return True
    lo, hi = port_span(entry)
    allowed = {p for p in allowed_ports if lo <= p <= hi}
    return len(allowed) < hi - lo + 1


def is_violation(entry: IngressEntry, allowed_ports: Iterable[int] = DEFAULT_ALLOWED_PORTS) -> bool:
    """True when the entry is world-open on something outside ``allowed_ports``."""
    if entry.kind not in (SourceKind.IPV4, SourceKind.IPV6):
        return False
    return is_world_open(entry.source) and covers_disallowed_port(entry, allowed_ports)


def grant_key(entry: IngressEntry) -> tuple[object, ...] | None:
    """What an entry grants, as a hashable key (description and rule id ignored).

    Two entries grant the same access exactly when their keys are equal; None (an
    unparsable CIDR) matches nothing. Keys let a change be matched against a group in one
    pass instead of comparing every pair.
    """
    protocol = normalize_protocol(entry.protocol)
    if protocol in _PORTED:
        ports: object = port_span(entry)
    elif protocol != "all":
        ports = _type_code(entry)  # ICMP: "ports" are type and code, and -1 means any
    else:
        ports = None
    source: object = entry.source
    if entry.kind in (SourceKind.IPV4, SourceKind.IPV6):
        try:
            source = ipaddress.ip_network(entry.source.strip(), strict=False)
        except ValueError:
            return None
    return (protocol, entry.kind, ports, source)


def same_grant(a: IngressEntry, b: IngressEntry) -> bool:
    """True when two entries grant the same access (description and rule id ignored)."""
    key = grant_key(a)
    return key is not None and key == grant_key(b)


def _type_code(entry: IngressEntry) -> tuple[int, int]:
    return (
        -1 if entry.from_port is None else entry.from_port,
        -1 if entry.to_port is None else entry.to_port,
    )


class Finding(NamedTuple):
    """A violating entry and why it violates."""

    entry: IngressEntry
    message: str


def describe(entry: IngressEntry) -> str:
    """Human text for an entry, e.g. ``tcp 22 from 0.0.0.0/0``."""
    protocol = normalize_protocol(entry.protocol)
    if protocol == "all":
        ports = "all traffic"
    elif protocol in _PORTED:
        lo, hi = port_span(entry)
        ports = f"{protocol} {lo}" if lo == hi else f"{protocol} {lo}-{hi}"
    else:
        ports = f"protocol {protocol}"
    return f"{ports} from {entry.source}"


def open_entries(
    entries: Iterable[IngressEntry], allowed_ports: Iterable[int] = DEFAULT_ALLOWED_PORTS
) -> list[Finding]:
    """Return one finding per violating entry, in input order (the react plane's view of
    :func:`evaluate`: it needs the entries to revoke).

    >>> from guardrails_runtime.model import IngressEntry, SourceKind
    >>> e = IngressEntry("tcp", 22, 22, "0.0.0.0/0", SourceKind.IPV4)
    >>> [f.message for f in open_entries([e])]
    ['tcp 22 from 0.0.0.0/0 is open to the whole internet; allowed public ports: 80, 443']
    """
    allowed = sorted(set(allowed_ports))
    allowed_text = ", ".join(str(p) for p in allowed) or "none"
    return [
        Finding(
            e, f"{describe(e)} is open to the whole internet; allowed public ports: {allowed_text}"
        )
        for e in entries
        if is_violation(e, allowed)
    ]


def evaluate(facts: Ingress, options: PolicyOptions) -> list[Violation]:
    """GR-SG1 per world-open entry on a disallowed port; GR-SG2 per entry that could be."""
    allowed = options.allowed_public_ports
    out: list[Violation] = []
    for location, item in facts.entries:
        if isinstance(item, Unresolved):
            out.append(Violation("GR-SG2", item.why, item.where or location))
            continue
        try:
            violating = is_violation(item, allowed)
        except InvalidEntryError as exc:
            out.append(Violation("GR-SG2", str(exc), location))
            continue
        if violating:
            out.append(
                Violation(
                    "GR-SG1",
                    f"{describe(item)} is open to the whole internet (allowed public ports: "
                    f"{', '.join(map(str, sorted(allowed))) or 'none'}); restrict the source "
                    "or use a prefix list",
                    location,
                )
            )
    return out
