"""Reactive plane of ``sg-open-ingress``: revoke exactly the world-open entries a change added.

Flow (decide, then act):

1. Read from the event which group and which entries the change added. An event whose
   CIDR entries all sit on allowed ports is ``compliant`` at no AWS cost; a CIDR on a
   disallowed port needs the live group, since it may complete, with the group's other
   sources, a cover of the whole internet (``0.0.0.0/1`` beside ``128.0.0.0/1``).
2. Re-read the group: one ``DescribeSecurityGroups`` call (it carries the tags for the
   exemption check and the live permissions; the event only says where to look).
3. Keep the live entries that still violate *and* that this change added (a Config
   compliance event scopes to the whole group). Everything else stays: other CIDRs of
   the same permission, prefix lists, group references, descriptions.
4. Exempt group -> ``exempt``; notify mode -> ``would-remediate``; otherwise one
   ``RevokeSecurityGroupIngress`` call: by security-group rule id where the event recorded
   the ids, else by the exact live permission values, which AWS matches to one rule each.

Known limit: a rule id comes from the event; if, within the seconds between the event and
the revoke, the same rule id was modified to something compliant *and* an identical
world-open entry re-added, the id-based revoke removes the modified rule. The live read
shows the world-open entry, so the result is still compliant, but the notification's
undo command names what was removed.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from botocore.exceptions import ClientError

from guardrails_runtime.adapters.ec2_security_group import (
    entries_from_api,
    entries_from_authorize,
    entries_from_modify,
    entries_to_api,
    group_ref_from_authorize,
    ip_permissions_json,
)
from guardrails_runtime.aws import error_code, partition_for
from guardrails_runtime.events import ApiCall, ComplianceChange, MalformedEventError
from guardrails_runtime.model import (
    Change,
    Decision,
    IngressEntry,
    Outcome,
    SourceKind,
    UndoCall,
)
from guardrails_runtime.policies.sg_open_ingress.policy import (
    POLICY,
    covers_disallowed_port,
    describe,
    grant_key,
    is_world_open,
    open_entries,
    through_lists,
)
from guardrails_runtime.policies.sg_open_ingress.spec import SPEC
from guardrails_runtime.remediations.base import (
    Context,
    Remediation,
    done,
    held_back,
    tag_exemption,
)
from guardrails_runtime.settings import RuntimeSettings
from guardrails_runtime.shell import command, region_args

AUTHORIZE = "AuthorizeSecurityGroupIngress"
MODIFY = "ModifySecurityGroupRules"
LIST_CHANGES = ("ModifyManagedPrefixList", "CreateManagedPrefixList")

# The group (or the rule) is gone: nothing is left to revert.
GONE_CODES = frozenset(
    {
        "InvalidGroup.NotFound",
        "InvalidGroupId.NotFound",
        "InvalidPermission.NotFound",
        "InvalidSecurityGroupRuleId.NotFound",
    }
)
MALFORMED_CODES = frozenset({"InvalidGroupId.Malformed", "InvalidParameterValue"})


class SecurityGroupIngressRemediation(Remediation):
    """Revoke world-open ingress entries outside the allowed public ports."""

    spec = SPEC

    def on_api_call(self, call: ApiCall, ctx: Context, outcome: Outcome) -> Outcome:
        if call.event_name in LIST_CHANGES:
            return self._list_changed(call, ctx, outcome)
        if call.event_name == AUTHORIZE:
            ref = group_ref_from_authorize(call.request)
            scope = entries_from_authorize(call.request, call.response)
        elif call.event_name == MODIFY:
            group_id, scope = entries_from_modify(call.request)
            ref = ("id", group_id)
            outcome.resource = group_id
            # A rule id may name an egress rule: the request body alone reads as ingress.
            scope = _ingress_only(ctx.clients.get("ec2", outcome.region), group_id, scope)
            if not scope:
                return done(
                    outcome,
                    Decision.IGNORED,
                    "the modified rules are egress rules (or gone): outside sg-open-ingress",
                )
        else:
            raise MalformedEventError(f"eventName {call.event_name!r} is not handled by {POLICY}")
        outcome.resource = ref[1]
        judged = [e for e in scope if e.kind is not SourceKind.GROUP]
        if not judged:
            return done(
                outcome,
                Decision.IGNORED,
                "the change adds only security-group references (never world-open)",
            )
        # A CIDR on a disallowed port is world-open alone (prefix length 0) or can complete,
        # with the group's other sources, a cover of the whole internet (0.0.0.0/1 beside
        # 128.0.0.0/1); a prefix list is as open as the CIDRs it holds: only the live group
        # and the list tell. Entries on allowed ports cannot.
        allowed = ctx.settings.allowed_public_ports
        offending = [e for e in judged if _on_disallowed_port(e, allowed)]
        if not offending:
            return done(
                outcome,
                Decision.COMPLIANT,
                "the change opens nothing to the internet outside the allowed public ports",
            )
        # A modified rule keeps its id: it is revoked by that id, or not at all. Falling back
        # to a revoke by value could remove another rule with the same grant that this event
        # did not add.
        return self._enforce(ref, offending, ctx, outcome, by_value=call.event_name != MODIFY)

    def _list_changed(self, call: ApiCall, ctx: Context, outcome: Outcome) -> Outcome:
        """A customer-managed prefix list changed: when it now holds the whole internet and
        groups reference it on a disallowed port, notify (the list is shared by design, so
        the guardrail never edits it; each group's own change or re-check revokes its
        reference)."""
        pl = _prefix_list_id(call)
        outcome.resource = pl
        ec2 = ctx.clients.get("ec2", outcome.region)
        lists, unread = read_lists(ec2, {pl})
        if pl in unread:
            outcome.rule = "GR-SG2"
            return done(
                outcome, Decision.NOTIFIED, f"prefix list {pl} could not be read ({unread[pl]})"
            )
        if pl not in lists:
            return done(outcome, Decision.COMPLIANT, f"{pl} is AWS-managed: never world-open")
        probe = IngressEntry("-1", None, None, pl, SourceKind.PREFIX_LIST)
        if not _violating([probe], lists, frozenset()):
            return done(
                outcome,
                Decision.COMPLIANT,
                f"prefix list {pl} holds no network, alone or together, that is the whole internet",
            )
        ports = ctx.settings.allowed_public_ports
        affected: list[str] = []
        exempt: list[str] = []
        for group in _referencing_groups(ec2, pl, outcome.account):
            live = entries_from_api(group.get("IpPermissions", []))
            refs = {describe(e) for e in _violating(live, lists, ports) if e.source == pl}
            if not refs:
                continue
            line = f"{group['GroupId']} ({', '.join(sorted(refs))})"
            (exempt if ctx.settings.is_exempt(group.get("Tags")) else affected).append(line)
        holding = _holding(lists[pl])
        if not affected:
            tail = f"; exempt: {', '.join(exempt)}" if exempt else ""
            return done(
                outcome,
                Decision.COMPLIANT,
                f"prefix list {pl} is {holding}, but no group references it on a disallowed "
                f"port{tail}",
            )
        outcome.rule = "GR-SG1"
        shown = ", ".join(affected[:10]) + (
            f" and {len(affected) - 10} more" if len(affected) > 10 else ""
        )
        return done(
            outcome,
            Decision.NOTIFIED,
            f"prefix list {pl} is now {holding}, and groups reference it on disallowed "
            f"ports: {shown}. The list is shared, so the guardrail does not edit it: remove "
            "the entry, or the references",
        )

    def exemption_hint(self, outcome: Outcome, settings: RuntimeSettings) -> str | None:
        """The AWS CLI command that tags the group with the exemption tag."""
        if not outcome.resource or not outcome.resource.startswith("sg-"):
            return None
        return command(
            "aws",
            "ec2",
            "create-tags",
            *region_args(outcome.region),
            "--resources",
            outcome.resource,
            "--tags",
            f"Key={settings.exemption_tag_key},Value={settings.exemption_tag_value}",
        )

    def on_compliance_change(
        self, change: ComplianceChange, ctx: Context, outcome: Outcome
    ) -> Outcome:
        outcome.resource = change.resource_id
        return self._enforce(("id", change.resource_id), None, ctx, outcome)

    def _enforce(
        self,
        ref: tuple[str, str],
        scope: list[IngressEntry] | None,
        ctx: Context,
        outcome: Outcome,
        *,
        by_value: bool = True,
    ) -> Outcome:
        ec2 = ctx.clients.get("ec2", outcome.region)
        lookup: dict[str, Any] = {"GroupIds" if ref[0] == "id" else "GroupNames": [ref[1]]}
        try:
            groups = ec2.describe_security_groups(**lookup)["SecurityGroups"]
        except ClientError as exc:
            if error_code(exc) in GONE_CODES:
                return done(
                    outcome,
                    Decision.COMPLIANT,
                    f"security group {ref[1]} no longer exists ({error_code(exc)})",
                )
            if error_code(exc) in MALFORMED_CODES:
                return done(
                    outcome,
                    Decision.UNSUPPORTED,
                    f"security group {ref[1]!r} is not a valid reference ({error_code(exc)})",
                )
            raise
        if not groups:
            return done(outcome, Decision.COMPLIANT, f"security group {ref[1]} no longer exists")
        group = groups[0]
        group_id = str(group["GroupId"])
        outcome.resource = group_id
        outcome.account = outcome.account or group.get("OwnerId")
        outcome.resource_arn = (
            f"arn:{partition_for(outcome.region)}:ec2:{outcome.region}:{outcome.account}"
            f":security-group/{group_id}"
        )
        live = entries_from_api(group.get("IpPermissions", []))
        ports = ctx.settings.allowed_public_ports
        lists, unread = read_lists(
            ec2,
            {
                e.source
                for e in live
                if e.kind is SourceKind.PREFIX_LIST and _on_disallowed_port(e, ports)
            },
        )
        targets = in_scope(_violating(live, lists, ports), scope)
        unread_note = _unread_note(unread, scope, live)
        if not targets and unread_note:
            outcome.rule = "GR-SG2"  # a list that cannot be read is not a pass
            return done(
                outcome,
                Decision.NOTIFIED,
                "a prefix list referenced on a disallowed port could not be read, so the "
                f"group cannot be judged{unread_note}",
            )
        if not targets:
            return done(
                outcome,
                Decision.COMPLIANT,
                "nothing in scope is open to the whole internet outside the allowed public "
                "ports, alone, through a prefix list or with the group's other sources (or it "
                f"was already reverted){unread_note}",
            )
        outcome.changes = [_change(group_id, t, outcome.region) for t in targets]
        allowed = ", ".join(str(p) for p in sorted(ports)) or "none"
        together = (
            " (together with the group's other sources)"
            if any(
                t.kind is not SourceKind.PREFIX_LIST and not is_world_open(t.source)
                for t in targets
            )
            else ""
        )
        what = (
            f"{', '.join(_described(t, lists) for t in targets)} open to the whole "
            f"internet{together} (allowed public ports: {allowed}){unread_note}"
        )
        exempt = tag_exemption(ctx.settings, group.get("Tags"), "group", outcome)
        return held_back(outcome, ctx, what, exempt) or self._revoke(
            ec2, group_id, targets, what, outcome, by_value=by_value
        )

    def _revoke(
        self,
        ec2: Any,
        group_id: str,
        targets: list[IngressEntry],
        what: str,
        outcome: Outcome,
        *,
        by_value: bool = True,
    ) -> Outcome:
        """One write: by the recorded rule ids, else by the exact live values.

        Races cost extra calls, never extra removals: when the recorded ids are gone the
        entries are revoked by value (``by_value``; never for a modified rule, whose id is
        what the event changed); when one entry of a by-value batch is gone (AWS then
        rejects the whole batch), the rest are revoked one by one.
        """
        revoked: list[IngressEntry] = []  # what is known to be gone by our hand
        unknown: list[Any] = []
        try:
            try:
                if all(t.rule_id for t in targets):
                    ids = [t.rule_id for t in targets]
                    unknown = self._call(ec2, GroupId=group_id, SecurityGroupRuleIds=ids)
                else:
                    unknown = self._by_value(ec2, group_id, targets)
                revoked = list(targets)
            except _GoneError:
                if not by_value:
                    outcome.changes = []
                    return done(
                        outcome,
                        Decision.COMPLIANT,
                        "the modified rule is gone: nothing of this change is left to revoke",
                    )
                try:
                    unknown = self._by_value(ec2, group_id, targets)
                    revoked = list(targets)
                except _GoneError:
                    for target in targets:
                        try:
                            self._by_value(ec2, group_id, [target])
                            revoked.append(target)
                        except _GoneError:
                            continue
        except Exception:
            # Interrupted (the event is retried): the entry keeps what was revoked so far.
            outcome.changes = [_change(group_id, t, outcome.region) for t in revoked]
            raise
        # Permissions AWS reports as unknown were already gone: not removed by us, so not
        # in the entry (an undo would otherwise re-add what the owner had removed).
        gone = Counter(grant_key(e) for e in entries_from_api(unknown))
        removed: list[IngressEntry] = []
        for target in revoked:
            key = grant_key(target._replace(description=None))
            if gone[key] > 0:
                gone[key] -= 1
            else:
                removed.append(target)
        if not removed:
            outcome.changes = []
            return done(
                outcome, Decision.COMPLIANT, "already gone when revoking: nothing left to do"
            )
        if len(removed) < len(targets):
            outcome.changes = [_change(group_id, t, outcome.region) for t in removed]
            what = f"{what}; {len(targets) - len(removed)} entry(ies) were already gone"
        return done(outcome, Decision.REMEDIATED, f"{what}; revoked")

    def _by_value(self, ec2: Any, group_id: str, targets: list[IngressEntry]) -> list[Any]:
        # AWS matches revokes by value; descriptions need not (and must not) match.
        permissions = entries_to_api(t._replace(description=None) for t in targets)
        return self._call(ec2, GroupId=group_id, IpPermissions=permissions)

    @staticmethod
    def _call(ec2: Any, **request: Any) -> list[Any]:
        """RevokeSecurityGroupIngress; NotFound becomes _GoneError, other errors propagate."""
        try:
            response = ec2.revoke_security_group_ingress(**request)
        except ClientError as exc:
            if error_code(exc) in GONE_CODES:
                raise _GoneError(error_code(exc)) from exc
            raise
        return list(response.get("UnknownIpPermissions") or [])


_RULE_ID = re.compile(r"sgr-[0-9a-f]{8,17}")


def _ingress_only(ec2: Any, group_id: str, scope: list[IngressEntry]) -> list[IngressEntry]:
    """The modified entries whose rule ids name ingress rules of ``group_id`` (one read)."""
    ids = [e.rule_id for e in scope if e.rule_id]
    if not ids:
        return scope
    for rule_id in ids:
        if not _RULE_ID.fullmatch(rule_id):
            raise MalformedEventError(
                f"SecurityGroupRuleId {rule_id!r} is not a security group rule id (sgr-...)"
            )
    try:
        rules = ec2.describe_security_group_rules(SecurityGroupRuleIds=ids)["SecurityGroupRules"]
    except ClientError as exc:
        if error_code(exc) in GONE_CODES or error_code(exc).startswith(
            "InvalidSecurityGroupRuleId"
        ):
            return []
        raise
    ingress = {
        r["SecurityGroupRuleId"]
        for r in rules
        if not r.get("IsEgress") and r.get("GroupId", group_id) == group_id
    }
    return [e for e in scope if e.rule_id is None or e.rule_id in ingress]


class _GoneError(Exception):
    """What a revoke targeted no longer exists."""


def _on_disallowed_port(entry: IngressEntry, allowed: frozenset[int]) -> bool:
    """True for an entry that lets in a port outside ``allowed``; a CIDR source that is not
    a network raises :class:`InvalidEntryError` (the event is unsupported, not compliant)."""
    if entry.kind in (SourceKind.IPV4, SourceKind.IPV6):
        is_world_open(entry.source)
    return covers_disallowed_port(entry, allowed)


# --- customer-managed prefix lists -------------------------------------------------------

_PREFIX_LIST = re.compile(r"pl-[0-9a-f]{8,17}")


def read_lists(ec2: Any, ids: set[str]) -> tuple[dict[str, list[str]], dict[str, str]]:
    """The CIDRs of each customer-managed prefix list in ``ids``, and why the others could
    not be read (``{id: reason}``). AWS-managed lists (owner ``AWS``) hold AWS's own
    service ranges and are never world-open: they are not read. One
    ``DescribeManagedPrefixLists`` for all, then ``GetManagedPrefixListEntries`` per list."""
    wanted = sorted(i for i in ids if _PREFIX_LIST.fullmatch(i))
    unread = {i: "not a prefix list id" for i in ids if i not in wanted}
    if not wanted:
        return {}, unread
    try:
        described = ec2.describe_managed_prefix_lists(PrefixListIds=wanted)["PrefixLists"]
    except ClientError as exc:
        return {}, {**unread, **{i: error_code(exc) for i in wanted}}
    owners = {str(p["PrefixListId"]): str(p.get("OwnerId", "")) for p in described}
    lists: dict[str, list[str]] = {}
    for pl in wanted:
        if pl not in owners:
            unread[pl] = "not found (deleted, or shared from another account)"
            continue
        if owners[pl].lower() == "aws":
            continue
        try:
            lists[pl] = _entries(ec2, pl)
        except ClientError as exc:
            unread[pl] = error_code(exc)
    return lists, unread


def _prefix_list_id(call: ApiCall) -> str:
    """The list a Modify/CreateManagedPrefixList record names (request for a change, the
    response for a new list), whatever the nesting CloudTrail gives the EC2 request."""
    where = call.request if call.event_name == "ModifyManagedPrefixList" else call.response
    found = _find_key(where, "prefixlistid", depth=4)
    if found is None or not _PREFIX_LIST.fullmatch(found):
        raise MalformedEventError(
            f"{call.event_name}: no prefix list id (pl-...) in the "
            f"{'requestParameters' if where is call.request else 'responseElements'}"
        )
    return found


def _find_key(value: Any, key: str, depth: int) -> str | None:
    if depth < 0 or not isinstance(value, dict):
        return None
    for k, v in value.items():
        if k.lower() == key and isinstance(v, str):
            return v
    for v in value.values():
        found = _find_key(v, key, depth - 1)
        if found is not None:
            return found
    return None


def _referencing_groups(ec2: Any, pl: str, account: str | None) -> list[dict[str, Any]]:
    """The security groups of this account associated with prefix list ``pl``."""
    pages = ec2.get_paginator("get_managed_prefix_list_associations").paginate(PrefixListId=pl)
    ids = [
        str(a["ResourceId"])
        for page in pages
        for a in page.get("PrefixListAssociations", [])
        if str(a.get("ResourceId", "")).startswith("sg-")
        and (account is None or a.get("ResourceOwner") in (None, account))
    ]
    groups: list[dict[str, Any]] = []
    for start in range(0, len(ids), 200):
        groups += ec2.describe_security_groups(GroupIds=ids[start : start + 200])["SecurityGroups"]
    return groups


def _entries(ec2: Any, pl: str) -> list[str]:
    pages = ec2.get_paginator("get_managed_prefix_list_entries").paginate(PrefixListId=pl)
    return [str(e["Cidr"]) for page in pages for e in page.get("Entries", []) if e.get("Cidr")]


def _violating(
    live: list[IngressEntry], lists: dict[str, list[str]], ports: frozenset[int]
) -> list[IngressEntry]:
    """The entries of ``live`` open to the whole internet on a disallowed port, alone, with
    the others, or through the CIDRs of the prefix lists they reference (in order)."""
    expanded, origin = through_lists(live, lists)
    return [live[i] for i in sorted({origin[f.position] for f in open_entries(expanded, ports)})]


def _holding(cidrs: list[str]) -> str:
    shown = ", ".join(cidrs[:3]) + (f" and {len(cidrs) - 3} more" if len(cidrs) > 3 else "")
    return f"a customer-managed prefix list holding {shown}"


def _described(entry: IngressEntry, lists: dict[str, list[str]]) -> str:
    """``tcp 22 from pl-0a1b (a prefix list holding 0.0.0.0/0)`` for a list reference."""
    if entry.kind is not SourceKind.PREFIX_LIST:
        return describe(entry)
    return f"{describe(entry)} ({_holding(lists.get(entry.source, []))})"


def _unread_note(
    unread: dict[str, str], scope: list[IngressEntry] | None, live: list[IngressEntry]
) -> str:
    """Prefix lists in scope that could not be read: named, never passed silently."""
    mine = {e.source for e in (scope if scope is not None else live)}
    named = sorted(pl for pl in unread if pl in mine)
    if not named:
        return ""
    return "; not judged: prefix list " + ", ".join(f"{pl} ({unread[pl]})" for pl in named)


def in_scope(live: list[IngressEntry], scope: list[IngressEntry] | None) -> list[IngressEntry]:
    """The live entries that the change (``scope``) added, carrying the change's rule ids.

    ``None`` scope means the whole group. Each change entry matches one live entry: the
    one spelled exactly the same if there is one (``0.0.0.0/0`` and ``192.168.1.0/0`` are
    the same network but distinct entries to AWS), else one granting the same access.
    """
    if scope is None:
        return list(live)
    # One pass: live entries indexed by what they grant (linear, not pairwise: a
    # 1,000-entry change against a 1,000-rule group must fit in a Lambda invocation).
    by_grant: dict[tuple[object, ...], list[IngressEntry]] = {}
    for entry in live:
        key = grant_key(entry)
        if key is not None:
            by_grant.setdefault(key, []).append(entry)
    picked: list[IngressEntry] = []
    for wanted in scope:
        key = grant_key(wanted)
        candidates = by_grant.get(key, []) if key is not None else []
        if not candidates:
            continue
        spelled = wanted.source.strip()
        exact = next((e for e in candidates if e.source.strip() == spelled), None)
        match = exact if exact is not None else candidates[0]
        candidates.remove(match)
        picked.append(match._replace(rule_id=wanted.rule_id))
    return picked


def _change(group_id: str, entry: IngressEntry, region: str | None) -> Change:
    detail: dict[str, Any] = {
        "groupId": group_id,
        "ipProtocol": entry.protocol,
        "fromPort": entry.from_port,
        "toPort": entry.to_port,
        "cidr": entry.source,
        "description": entry.description,
        "securityGroupRuleId": entry.rule_id,
    }
    undo = command(
        "aws",
        "ec2",
        "authorize-security-group-ingress",
        *region_args(region),
        "--group-id",
        group_id,
        "--ip-permissions",
        ip_permissions_json([entry]),
    )
    call = UndoCall(
        "ec2",
        "authorize_security_group_ingress",
        {"GroupId": group_id, "IpPermissions": entries_to_api([entry])},
    )
    return Change("ec2:RevokeSecurityGroupIngress", group_id, detail, undo, call)
