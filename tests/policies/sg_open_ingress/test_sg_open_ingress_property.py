"""Property: for random groups and changes, the remediation removes exactly the violation.

For any group state and any AuthorizeSecurityGroupIngress change made on it (recorded
with or without rule ids, bare or in its envelope), after the handler runs in remediate
mode the group holds everything it held before plus every non-violating entry of the
change, and none of the change's violating entries. Prefix-list sources are two real
customer-managed lists in moto: one of private networks, one holding 0.0.0.0/0 (a
reference to it on a disallowed port violates like the CIDR itself).
"""

from __future__ import annotations

import itertools
from typing import Any

import boto3
import pytest
from helpers import REGION, authorize, authorize_record, clients, new_group, settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from guardrails_runtime.adapters.ec2_security_group import entries_from_api, entries_to_api
from guardrails_runtime.handler import process
from guardrails_runtime.model import Decision, IngressEntry, SourceKind
from guardrails_runtime.policies.sg_open_ingress.policy import (
    is_violation,
    normalize_protocol,
    port_span,
)

V4_SOURCES = ["0.0.0.0/0", "192.168.1.0/0", "10.0.0.0/8", "0.0.0.0/1", "203.0.113.0/24"]
V6_SOURCES = ["::/0", "2001:db8::/32", "::/1"]
PORTS = [22, 80, 443, 3389, 8080]

_names = itertools.count()


@st.composite
def entry(draw: Any, group_ref: str, lists: tuple[str, str]) -> IngressEntry:
    protocol = draw(st.sampled_from(["tcp", "udp", "-1", "icmp", "6"]))
    if protocol == "-1":
        lo = hi = None
    elif protocol == "icmp":
        lo, hi = -1, -1
    else:
        lo = draw(st.sampled_from(PORTS))
        hi = draw(st.sampled_from([lo, lo, 443, 8080, 65535]))
        lo, hi = min(lo, hi), max(lo, hi)
    kind = draw(
        st.sampled_from(
            [
                SourceKind.IPV4,
                SourceKind.IPV4,
                SourceKind.IPV6,
                SourceKind.PREFIX_LIST,
                SourceKind.GROUP,
            ]
        )
    )
    source = {
        SourceKind.IPV4: lambda: draw(st.sampled_from(V4_SOURCES)),
        SourceKind.IPV6: lambda: draw(st.sampled_from(V6_SOURCES)),
        SourceKind.PREFIX_LIST: lambda: draw(st.sampled_from(lists)),
        SourceKind.GROUP: lambda: group_ref,
    }[kind]()
    description = draw(st.sampled_from([None, "kept as is"]))
    return IngressEntry(protocol, lo, hi, source, kind, description)


def key(e: IngressEntry) -> tuple[Any, ...]:
    """What an entry grants, spelled canonically (AWS stores '6' as 'tcp')."""
    protocol = normalize_protocol(e.protocol)
    ports = port_span(e) if protocol in ("tcp", "udp") else None
    return (protocol, ports, e.source, e.kind)


def unique(entries: list[IngressEntry]) -> list[IngressEntry]:
    seen: dict[tuple[Any, ...], IngressEntry] = {}
    for e in entries:
        seen.setdefault(key(e), e)
    return list(seen.values())


def live_entries(ec2: Any, group_id: str) -> list[IngressEntry]:
    groups = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"]
    return sorted(entries_from_api(groups[0]["IpPermissions"]), key=repr)


@pytest.mark.usefixtures("aws")
def test_remediation_removes_exactly_the_violating_entries() -> None:
    ec2 = boto3.client("ec2", region_name=REGION)
    handler_clients = clients()
    ref_group = new_group(ec2, "referenced")

    def prefix_list(name: str, cidr: str) -> str:
        created = ec2.create_managed_prefix_list(
            PrefixListName=name, AddressFamily="IPv4", MaxEntries=5, Entries=[{"Cidr": cidr}]
        )
        return str(created["PrefixList"]["PrefixListId"])

    private, world = prefix_list("offices", "10.0.0.0/8"), prefix_list("anyone", "0.0.0.0/0")
    lists = (private, world)

    def violates(e: IngressEntry) -> bool:
        if e.kind is SourceKind.PREFIX_LIST:
            return e.source == world and is_violation(
                e._replace(source="0.0.0.0/0", kind=SourceKind.IPV4)
            )
        return is_violation(e)

    @hsettings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        existing=st.lists(entry(ref_group, lists), max_size=5),
        added=st.lists(entry(ref_group, lists), min_size=1, max_size=5),
        with_rule_ids=st.booleans(),
        envelope=st.booleans(),
    )
    def check(
        existing: list[IngressEntry], added: list[IngressEntry], with_rule_ids: bool, envelope: bool
    ) -> None:
        existing = unique(existing)
        added = [e for e in unique(added) if key(e) not in {key(x) for x in existing}]
        if not added:
            return
        gid = new_group(ec2, f"g{next(_names)}")
        if existing:
            ec2.authorize_security_group_ingress(
                GroupId=gid, IpPermissions=entries_to_api(existing)
            )
        permissions = entries_to_api(added)
        created = authorize(ec2, gid, permissions)
        event = authorize_record(
            gid, permissions, created if with_rule_ids else None, envelope=envelope
        )

        before = live_entries(ec2, gid)

        outcome = process(event, settings(), handler_clients)

        after = live_entries(ec2, gid)
        violating = [e for e in added if violates(e)]
        removed = {key(e) for e in violating}
        # Every entry that stays is exactly as it was (description included) ...
        assert after == [e for e in before if key(e) not in removed], outcome.reason
        # ... and every violating entry of the change is gone.
        assert not removed & {key(e) for e in after}
        assert outcome.decision is (
            Decision.REMEDIATED
            if violating
            else Decision.COMPLIANT
            if any(e.kind is not SourceKind.GROUP for e in added)
            else Decision.IGNORED
        )
        assert len(outcome.changes) == len(violating)

    check()
