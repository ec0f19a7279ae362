"""Pure evaluation of sg-open-ingress: a table of permission cases, no AWS."""

from __future__ import annotations

import pytest

from guardrails_runtime.model import IngressEntry, InvalidEntryError, SourceKind
from guardrails_runtime.policies.sg_open_ingress.policy import (
    is_violation,
    is_world_open,
    normalize_protocol,
    open_entries,
    parse_port,
    port_span,
    same_grant,
)

V4, V6, PL, SG = SourceKind.IPV4, SourceKind.IPV6, SourceKind.PREFIX_LIST, SourceKind.GROUP

# (protocol, from, to, source, kind, allowed ports or None for default, violation?)
CASES = [
    ("tcp", 22, 22, "0.0.0.0/0", V4, None, True),
    ("tcp", 22, 22, "::/0", V6, None, True),
    ("tcp", 22, 22, "0000::/0", V6, None, True),
    ("tcp", 22, 22, "192.168.1.0/0", V4, None, True),
    ("tcp", 22, 22, "0.0.0.0/16", V4, None, False),
    ("tcp", 22, 22, "10.0.0.0/8", V4, None, False),
    ("tcp", 22, 22, "2001:db8::/32", V6, None, False),
    ("tcp", 443, 443, "0.0.0.0/0", V4, None, False),
    ("tcp", 80, 80, "::/0", V6, None, False),
    ("tcp", 80, 443, "0.0.0.0/0", V4, None, True),
    ("tcp", 443, 80, "0.0.0.0/0", V4, None, True),  # inverted range read widest
    ("tcp", "22", "22", "0.0.0.0/0", V4, None, True),  # ports as strings
    ("tcp", "443", "443", "0.0.0.0/0", V4, None, False),
    ("tcp", None, None, "0.0.0.0/0", V4, None, True),  # absent ports = all ports
    ("tcp", -1, -1, "0.0.0.0/0", V4, None, True),
    ("tcp", 0, 65535, "0.0.0.0/0", V4, None, True),
    ("6", 22, 22, "0.0.0.0/0", V4, None, True),  # protocol number
    ("6", 443, 443, "0.0.0.0/0", V4, None, False),
    ("TCP", 443, 443, "0.0.0.0/0", V4, None, False),  # odd casing
    ("udp", 53, 53, "0.0.0.0/0", V4, None, True),
    ("17", 443, 443, "::/0", V6, None, False),  # HTTP/3 on UDP 443 allowed
    ("-1", None, None, "0.0.0.0/0", V4, None, True),  # all traffic
    ("-1", None, None, "10.0.0.0/8", V4, None, False),
    ("all", 0, 0, "::/0", V6, None, True),
    ("icmp", -1, -1, "0.0.0.0/0", V4, None, True),  # port-less protocol
    ("icmpv6", -1, -1, "::/0", V6, None, True),
    ("50", None, None, "0.0.0.0/0", V4, None, True),  # ESP
    ("tcp", 22, 22, "pl-0123456789abcdef0", PL, None, False),
    ("tcp", 22, 22, "sg-0123456789abcdef0", SG, None, False),
    ("-1", None, None, "sg-0123456789abcdef0", SG, None, False),
    ("tcp", 22, 22, "0.0.0.0/0", V4, {22}, False),  # configured allowed ports
    ("tcp", 8080, 8081, "0.0.0.0/0", V4, {8080, 8081}, False),
    ("tcp", 8080, 8082, "0.0.0.0/0", V4, {8080, 8081}, True),
    ("tcp", 443, 443, "0.0.0.0/0", V4, set(), True),  # nothing may be public
    ("tcp", 22, 22, " 0.0.0.0/0 ", V4, None, True),  # surrounding blanks
    ("tcp", 22, 22, "0.0.0.0/1", V4, None, False),  # half the internet is not /0
    ("tcp", 22, 22, "::/1", V6, None, False),
]


@pytest.mark.parametrize(("protocol", "lo", "hi", "source", "kind", "allowed", "expected"), CASES)
def test_permission_table(
    protocol: str,
    lo: object,
    hi: object,
    source: str,
    kind: SourceKind,
    allowed: set[int] | None,
    expected: bool,
) -> None:
    entry = IngressEntry(protocol, parse_port(lo), parse_port(hi), source, kind)
    kwargs = {} if allowed is None else {"allowed_ports": allowed}
    assert is_violation(entry, **kwargs) is expected


def test_table_is_large_enough() -> None:
    assert len(CASES) >= 30


def test_world_open_parsing_rejects_garbage() -> None:
    with pytest.raises(InvalidEntryError, match="not an IP network: 'banana'"):
        is_world_open("banana")
    entry = IngressEntry("tcp", 22, 22, "not-a-cidr", V4)
    with pytest.raises(InvalidEntryError):
        is_violation(entry)


@pytest.mark.parametrize("value", ["abc", True, "2.5"])
def test_parse_port_rejects_non_numbers(value: object) -> None:
    with pytest.raises(InvalidEntryError, match="port is not a number"):
        parse_port(value)


@pytest.mark.parametrize(
    ("spelling", "name"),
    [
        ("-1", "all"),
        (-1, "all"),
        ("ALL", "all"),
        ("6", "tcp"),
        ("17", "udp"),
        ("1", "icmp"),
        ("58", "icmpv6"),
        ("ipv6-icmp", "icmpv6"),
        ("47", "47"),
        (None, "all"),
    ],
)
def test_protocol_spellings(spelling: object, name: str) -> None:
    assert normalize_protocol(spelling) == name


def test_port_span_clamps_and_orders() -> None:
    assert port_span(IngressEntry("tcp", 100, 20, "x", V4)) == (20, 100)
    assert port_span(IngressEntry("tcp", None, 80, "x", V4)) == (0, 65535)


def test_same_grant_compares_meaning_not_spelling() -> None:
    a = IngressEntry("tcp", 22, 22, "0.0.0.0/0", V4, "one", "sgr-1")
    assert same_grant(a, IngressEntry("6", 22, 22, "192.168.0.0/0", V4, "other"))
    assert not same_grant(a, IngressEntry("tcp", 22, 23, "0.0.0.0/0", V4))
    assert not same_grant(a, IngressEntry("udp", 22, 22, "0.0.0.0/0", V4))
    assert not same_grant(a, IngressEntry("tcp", 22, 22, "::/0", V6))
    # ICMP "ports" are type and code: echo (8) is not "any type" (-1).
    assert not same_grant(
        IngressEntry("icmp", 8, 0, "0.0.0.0/0", V4), IngressEntry("1", -1, -1, "0.0.0.0/0", V4)
    )
    assert same_grant(
        IngressEntry("icmp", None, None, "0.0.0.0/0", V4),
        IngressEntry("1", -1, -1, "0.0.0.0/0", V4),
    )
    # All traffic ignores ports entirely.
    assert same_grant(
        IngressEntry("-1", None, None, "::/0", V6), IngressEntry("all", 0, 0, "::/0", V6)
    )


def test_open_entries_keeps_order_and_explains() -> None:
    entries = [
        IngressEntry("tcp", 443, 443, "0.0.0.0/0", V4),
        IngressEntry("tcp", 3389, 3389, "0.0.0.0/0", V4),
        IngressEntry("-1", None, None, "::/0", V6),
    ]
    findings = open_entries(entries)
    assert [f.entry for f in findings] == entries[1:]
    assert findings[0].message == (
        "tcp 3389 from 0.0.0.0/0 is open to the whole internet; allowed public ports: 80, 443"
    )
    assert findings[1].message.startswith("all traffic from ::/0")
