"""Policy ``sg-open-ingress``: no ingress from the whole internet outside the allowed ports.

Pure logic over :class:`~guardrails_runtime.model.IngressEntry`; no AWS, no CDK.

Rules of interpretation (the same in every plane):

* World-open means an IPv4 or IPv6 network whose prefix length is 0, however it is
  spelled: ``0.0.0.0/0``, ``192.168.1.0/0``, ``::/0`` and ``0000::/0`` all are;
  ``0.0.0.0/16`` is not. Sources of one group that only together cover the whole space on
  a disallowed protocol and port (``0.0.0.0/1`` plus ``128.0.0.0/1``) are world-open too
  (:func:`cover_members`).
* TCP and UDP entries are judged by the ports they cover; a range violates when it
  covers any port outside ``allowed_ports`` (defaults 80 and 443, for TCP and UDP alike,
  so HTTP/3 on UDP 443 is allowed). Absent ports, ``-1`` and inverted ranges count by
  the widest reading (absent = every port; ``(443, 80)`` = 80..443).
* Protocol ``-1``/``all`` covers every port of every protocol, so it always violates.
* Other protocols (ICMP, ICMPv6, GRE, ESP, any number) have no ports to allow: open to
  the world they violate. Tag the group with the exemption tag where that is intended.
* Security-group references are never world-open. A customer-managed prefix list is as
  open as the CIDRs it holds: where its entries are known (the react plane reads them with
  ``GetManagedPrefixListEntries``), :func:`through_lists` adds them to the group's sources
  with the referencing entry's protocol and ports, so a list holding ``0.0.0.0/0`` on port
  22 (or half the internet beside a rule for the other half) violates. AWS-managed lists
  are never world-open. Templates and plans do not read lists.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, NamedTuple

from guardrails_runtime.model import (
    DEFAULT_ALLOWED_PORTS,
    IngressEntry,
    InvalidEntryError,
    PolicyOptions,
    SourceKind,
    UnknownSource,
    Unresolved,
    Violation,
)

if TYPE_CHECKING:  # the adapter imports this module's parsing helpers
    from guardrails_runtime.adapters.ec2_security_group import Ingress

POLICY = "sg-open-ingress"

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


def normalize_protocol(protocol: object) -> str:
    """Map every spelling AWS accepts to one name: ``tcp``, ``udp``, ``icmp``, ``all``...

    >>> normalize_protocol("6"), normalize_protocol(-1), normalize_protocol("TCP")
    ('tcp', 'all', 'tcp')
    """
    text = str(protocol).strip().lower() if protocol is not None else "all"
    return _PROTOCOL_NAMES.get(text, text)


@functools.lru_cache(maxsize=4096)
def network_of(cidr: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    """``cidr`` as a network (host bits ignored); ValueError for text that is not one.
    Cached: a plan or a group repeats the same few sources thousands of times."""
    return ipaddress.ip_network(cidr.strip(), strict=False)


def is_world_open(cidr: str) -> bool:
    """True when ``cidr`` is an IPv4 or IPv6 network of prefix length 0.

    Raises :class:`InvalidEntryError` for text that is not a network.

    >>> is_world_open("192.168.1.0/0"), is_world_open("0.0.0.0/16"), is_world_open("0000::/0")
    (True, False, True)
    """
    try:
        network = network_of(str(cidr))
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
    if lo == hi:  # the common case: one port
        return lo not in allowed_ports
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
            source = network_of(entry.source)
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
    """A violating entry, why it violates, and its position in the judged entries."""

    entry: IngressEntry
    message: str
    position: int = -1


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

    An entry violates when it is world-open on its own, or when it is one of the blocks
    that together cover the whole IPv4 or IPv6 space on a disallowed port (see
    :func:`cover_members`).

    >>> from guardrails_runtime.model import IngressEntry, SourceKind
    >>> e = IngressEntry("tcp", 22, 22, "0.0.0.0/0", SourceKind.IPV4)
    >>> [f.message for f in open_entries([e])]
    ['tcp 22 from 0.0.0.0/0 is open to the whole internet; allowed public ports: 80, 443']
    >>> halves = [e._replace(source="0.0.0.0/1"), e._replace(source="128.0.0.0/1")]
    >>> open_entries(halves)[1].message.startswith(
    ...     "tcp 22 from 128.0.0.0/1 is open to the whole internet together with 0.0.0.0/1;"
    ... )
    True
    """
    listed = list(entries)
    allowed = sorted(set(allowed_ports))
    allowed_text = ", ".join(str(p) for p in allowed) or "none"
    covers = cover_members(listed, allowed)
    out: list[Finding] = []
    for i, e in enumerate(listed):
        if is_violation(e, allowed):
            why = "is open to the whole internet"
        elif i in covers:
            why = f"is open to the whole internet together with {_others(covers[i], listed)}"
        else:
            continue
        out.append(Finding(e, f"{describe(e)} {why}; allowed public ports: {allowed_text}", i))
    return out


def _others(indexes: frozenset[int], entries: list[IngressEntry], shown: int = 3) -> str:
    sources = sorted({entries[i].source for i in indexes})
    text = ", ".join(sources[:shown])
    return text + (f" and {len(sources) - shown} more" if len(sources) > shown else "")


def through_lists(
    entries: list[IngressEntry], lists: Mapping[str, Iterable[str]]
) -> tuple[list[IngressEntry], list[int]]:
    """``entries`` followed by one entry per CIDR of each prefix list whose CIDRs are known
    (``lists``: prefix-list id -> CIDRs), with the referencing entry's protocol and ports;
    ``origin[i]`` is the index in ``entries`` that entry ``i`` stands for (itself for the
    originals). Judge the result with :func:`open_entries` and map findings back through
    ``origin``: the reference is what violates, and what a fix revokes.

    >>> from guardrails_runtime.model import IngressEntry, SourceKind
    >>> ref = IngressEntry("tcp", 22, 22, "pl-0a1b", SourceKind.PREFIX_LIST)
    >>> expanded, origin = through_lists([ref], {"pl-0a1b": ["10.0.0.0/8", "::/0"]})
    >>> [(e.source, e.kind.value) for e in expanded], origin
    ([('pl-0a1b', 'prefix-list'), ('10.0.0.0/8', 'ipv4'), ('::/0', 'ipv6')], [0, 0, 0])
    """
    expanded = list(entries)
    origin = list(range(len(entries)))
    for index, entry in enumerate(entries):
        if entry.kind is not SourceKind.PREFIX_LIST or entry.source not in lists:
            continue
        for cidr in lists[entry.source]:
            kind = SourceKind.IPV6 if ":" in cidr else SourceKind.IPV4
            expanded.append(
                entry._replace(source=cidr, kind=kind, description=f"in {entry.source}")
            )
            origin.append(index)
    return expanded, origin


# --- coverage: sources that together are the whole internet --------------------------------

_FAMILIES = {4: 32, 6: 128}


class _Cover:
    """A counting trie of the networks active on one (protocol, family, port segment).

    ``full[node]`` says whether the node's address block is covered by the active
    networks at or below it; an insert or delete updates one path (at most 128 nodes), so
    a sweep over n entries costs O(n x address bits), never pairwise. CIDR blocks are
    either nested or disjoint, so the cover's members are the active blocks with no active
    ancestor (the frontier); they partition the space when the root is full.
    """

    def __init__(self, bits: int) -> None:
        self.bits = bits
        self.members: dict[tuple[int, int], set[int]] = {}
        self.full: dict[tuple[int, int], bool] = {}
        self.frontier_changed = True

    def _child(self, node: tuple[int, int], bit: int) -> tuple[int, int]:
        length, network = node
        return length + 1, network | (bit << (self.bits - length - 1))

    def _parent(self, node: tuple[int, int]) -> tuple[int, int]:
        length, network = node
        return length - 1, network & ~(1 << (self.bits - length))

    def update(self, node: tuple[int, int], index: int, add: bool) -> None:
        held = self.members.setdefault(node, set())
        if add:
            held.add(index)
        else:
            held.discard(index)
        if not self._shadowed(node):
            self.frontier_changed = True
        while True:
            length = node[0]
            full = bool(self.members.get(node)) or (
                length < self.bits
                and self.full.get(self._child(node, 0), False)
                and self.full.get(self._child(node, 1), False)
            )
            if self.full.get(node, False) == full:
                break
            self.full[node] = full
            if length == 0:
                break
            node = self._parent(node)

    def _shadowed(self, node: tuple[int, int]) -> bool:
        while node[0] > 0:
            node = self._parent(node)
            if self.members.get(node):
                return True
        return False

    def is_full(self) -> bool:
        return self.full.get((0, 0), False)

    def frontier(self) -> set[int]:
        """Entries whose block is a member of the cover (no covering ancestor)."""
        out: set[int] = set()
        stack = [(0, 0)]
        while stack:
            node = stack.pop()
            if self.members.get(node):
                out |= self.members[node]
            elif node[0] < self.bits and self.full.get(node, False):
                stack.extend((self._child(node, 0), self._child(node, 1)))
        self.frontier_changed = False
        return out


def cover_members(
    entries: list[IngressEntry], allowed_ports: Iterable[int] = DEFAULT_ALLOWED_PORTS
) -> dict[int, frozenset[int]]:
    """Entries (by index) whose sources, with others of the same group, cover the whole
    IPv4 or IPv6 space on one disallowed protocol and port: ``0.0.0.0/1`` plus
    ``128.0.0.0/1`` on tcp 22 is as open as ``0.0.0.0/0``. Each maps to the other members
    of its cover. Entries world-open on their own are left to :func:`is_violation`;
    entries nested inside a member (``10.0.0.0/8`` inside ``0.0.0.0/1``) are not members.

    Linear in the entries (a sweep over port boundaries with a counting trie per protocol
    and address family), so a 1,000-rule group is judged in milliseconds.
    """
    allowed = frozenset(allowed_ports)
    # (protocol bucket, family) -> [(lo, hi, node, index)]
    buckets: dict[tuple[str, int], list[tuple[int, int, tuple[int, int], int]]] = {}
    wide: list[tuple[int, tuple[int, int], int]] = []  # protocol "all": every bucket
    protocols: set[str] = set()
    for index, entry in enumerate(entries):
        if entry.kind not in (SourceKind.IPV4, SourceKind.IPV6):
            continue
        if not covers_disallowed_port(entry, allowed):
            continue
        try:
            network = network_of(entry.source)
        except ValueError:
            continue
        if network.prefixlen == 0:
            continue
        node = (network.prefixlen, int(network.network_address))
        protocol = normalize_protocol(entry.protocol)
        if protocol == "all":
            wide.append((network.version, node, index))
            continue
        lo, hi = port_span(entry) if protocol in _PORTED else (0, 0)
        protocols.add(protocol)
        buckets.setdefault((protocol, network.version), []).append((lo, hi, node, index))
    for version, node, index in wide:
        for protocol in protocols | {"all"}:
            hi = MAX_PORT if protocol in _PORTED else 0
            buckets.setdefault((protocol, version), []).append((0, hi, node, index))
    found: dict[int, frozenset[int]] = {}
    for (protocol, version), items in buckets.items():
        bits = _FAMILIES[version]
        if sum(1 << (bits - node[0]) for _, _, node, _ in items) < 1 << bits:
            continue  # fewer addresses in all than the whole space: no cover (most groups)
        for members in _full_covers(items, bits, protocol in _PORTED, allowed):
            for index in members:
                found[index] = found.get(index, frozenset()) | (members - {index})
    return found


def _full_covers(
    items: list[tuple[int, int, tuple[int, int], int]],
    bits: int,
    ported: bool,
    allowed: frozenset[int],
) -> list[frozenset[int]]:
    """The covers found sweeping one bucket's port segments, each as its member indexes."""
    events: list[tuple[int, int, tuple[int, int], int]] = []
    for lo, hi, node, index in items:
        events.append((lo, 1, node, index))
        events.append((hi + 1, 0, node, index))
    events.sort(key=lambda e: (e[0], e[1]))
    trie, covers, i = _Cover(bits), [], 0
    while i < len(events):
        position = events[i][0]
        while i < len(events) and events[i][0] == position:
            _, add, node, index = events[i]
            trie.update(node, index, bool(add))
            i += 1
        end = events[i][0] if i < len(events) else position + 1
        disallowed = not ported or any(
            p not in allowed for p in range(position, min(end, position + len(allowed) + 1))
        )
        if disallowed and trie.is_full() and trie.frontier_changed:
            covers.append(frozenset(trie.frontier()))
    return covers


def evaluate(facts: Ingress, options: PolicyOptions) -> list[Violation]:
    """GR-SG1 per world-open entry on a disallowed port (alone, or as one of the sources
    that with the group's other entries cover the whole internet); GR-SG2 per entry that
    could be."""
    allowed = options.allowed_public_ports
    own = [(i, item) for i, (_, item) in enumerate(facts.entries) if isinstance(item, IngressEntry)]
    group = [item for _, item in own] + list(facts.peers)
    # A cover of the whole space needs two sources at least (one alone is is_violation's).
    covers = cover_members(group, allowed) if len(group) > 1 else {}
    position = {i: n for n, (i, _) in enumerate(own)}
    out: list[Violation] = []
    for i, (location, item) in enumerate(facts.entries):
        if isinstance(item, Unresolved):
            out.append(Violation("GR-SG2", item.why, item.where or location))
            continue
        if isinstance(item, UnknownSource):  # three-valued: warn only if it could violate
            try:
                possible = covers_disallowed_port(item.worst, allowed)
            except InvalidEntryError as exc:
                out.append(Violation("GR-SG2", str(exc), location))
                continue
            if possible:
                out.append(Violation("GR-SG2", item.unknown.why, item.unknown.where or location))
            continue
        try:
            violating = is_violation(item, allowed)
        except InvalidEntryError as exc:
            out.append(Violation("GR-SG2", str(exc), location))
            continue
        if violating:
            why = "is open to the whole internet"
        elif position[i] in covers:
            why = (
                f"is open to the whole internet together with {_others(covers[position[i]], group)}"
            )
        else:
            continue
        allowed_text = ", ".join(map(str, sorted(allowed))) or "none"
        out.append(
            Violation(
                "GR-SG1",
                f"{describe(item)} {why} (allowed public ports: {allowed_text}); restrict the "
                "source or use a prefix list",
                location,
            )
        )
    return out
