"""Issue 13, item 2: a customer-managed prefix list holding 0.0.0.0/0 was a way around.

Referenced from a group on port 22, such a list was ``ignored`` and never notified. The
list is now read when a change references it (and when Config routes the group): a list
that holds the whole internet, alone or together with the group's other sources, is as
open as ``0.0.0.0/0`` and the reference is revoked (its own entry only). A list made
world-open later (``ModifyManagedPrefixList``) while groups reference it on a disallowed
port is notified, never edited. AWS-managed lists are not world-open and are not read.

The real handler against moto's EC2. moto has no ``GetManagedPrefixListAssociations``:
that one call is answered by a botocore ``before-call`` hook computed from moto's own
groups (the only stand-in here).
"""

from __future__ import annotations

import copy
from typing import Any

import boto3
import pytest
from conftest import load_event
from helpers import ACCOUNT, REGION, CallCounter, clients, ingress, new_group, open_and_record
from helpers import settings as base_settings

from guardrails_runtime.handler import process
from guardrails_runtime.model import Decision, Mode, Outcome
from guardrails_runtime.settings import RuntimeSettings

pytestmark = pytest.mark.usefixtures("aws")


def settings(mode: Mode = Mode.REMEDIATE, **kwargs: Any) -> RuntimeSettings:
    return base_settings(mode, **kwargs)


def prefix_list(ec2: Any, *cidrs: str, family: str = "IPv4") -> str:
    created = ec2.create_managed_prefix_list(
        PrefixListName=f"list-{len(cidrs)}-{cidrs[0].replace('/', '_')}",
        AddressFamily=family,
        MaxEntries=10,
        Entries=[{"Cidr": c, "Description": "ours"} for c in cidrs],
    )
    return str(created["PrefixList"]["PrefixListId"])


def via_list(pl: str, port: int = 22) -> dict[str, Any]:
    return {
        "IpProtocol": "tcp",
        "FromPort": port,
        "ToPort": port,
        "PrefixListIds": [{"PrefixListId": pl, "Description": "bastions"}],
    }


def run(event: dict[str, Any], s: RuntimeSettings | None = None) -> tuple[Outcome, Any]:
    c = clients()
    counter = CallCounter(c.get("ec2", REGION))
    _associations_from_moto(c)
    return process(event, s or settings(), c), counter


def _associations_from_moto(c: Any) -> None:
    """GetManagedPrefixListAssociations as AWS answers it, computed from moto's groups."""
    from botocore.awsrequest import AWSResponse

    def answer(params: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        ec2 = boto3.client("ec2", region_name=REGION)
        pl = params["body"]["PrefixListId"]  # the serialized EC2 query request
        found = [
            {"ResourceId": g["GroupId"], "ResourceOwner": g["OwnerId"]}
            for g in ec2.describe_security_groups()["SecurityGroups"]
            if any(
                r.get("PrefixListId") == pl
                for p in g.get("IpPermissions", [])
                for r in p.get("PrefixListIds", [])
            )
        ]
        parsed = {"PrefixListAssociations": found, "ResponseMetadata": {"HTTPStatusCode": 200}}
        return AWSResponse("https://ec2.invalid", 200, {}, None), parsed

    c.get("ec2", REGION).meta.events.register_first(
        "before-call.ec2.GetManagedPrefixListAssociations", answer
    )


def test_a_list_holding_the_internet_is_as_open_as_the_cidr(ec2: Any) -> None:
    gid = new_group(ec2)
    world = prefix_list(ec2, "10.0.0.0/8", "0.0.0.0/0")
    outcome, counter = run(open_and_record(ec2, gid, [via_list(world)]))
    assert outcome.decision is Decision.REMEDIATED, outcome.reason
    assert outcome.rule == "GR-SG1"
    assert f"tcp 22 from {world} (a customer-managed prefix list holding " in outcome.reason
    assert ingress(ec2, gid) == []
    assert "RevokeSecurityGroupIngress" in counter.writes
    # The undo puts the reference back as the group held it (moto keeps no description
    # on prefix-list references, so none is recorded here).
    [change] = outcome.changes
    assert change.undo_call is not None
    assert change.undo_call.params["IpPermissions"] == [
        {
            "IpProtocol": "tcp",
            "FromPort": 22,
            "ToPort": 22,
            "PrefixListIds": [{"PrefixListId": world}],
        }
    ]


def test_notify_mode_reports_it(ec2: Any) -> None:
    gid = new_group(ec2)
    world = prefix_list(ec2, "::/0", family="IPv6")
    outcome, counter = run(open_and_record(ec2, gid, [via_list(world)]), settings(Mode.NOTIFY))
    assert outcome.decision is Decision.WOULD_REMEDIATE and counter.writes == []
    assert len(ingress(ec2, gid)) == 1


def test_a_list_of_halves_and_a_half_beside_the_group_cover_the_internet(ec2: Any) -> None:
    halves = prefix_list(ec2, "0.0.0.0/1", "128.0.0.0/1")
    gid = new_group(ec2)
    assert run(open_and_record(ec2, gid, [via_list(halves)]))[0].decision is Decision.REMEDIATED
    # Half in the list, the other half already in the group: the list completes the cover.
    upper = prefix_list(ec2, "128.0.0.0/1")
    other = new_group(ec2, "other")
    lower = {
        "IpProtocol": "tcp",
        "FromPort": 22,
        "ToPort": 22,
        "IpRanges": [{"CidrIp": "0.0.0.0/1"}],
    }
    ec2.authorize_security_group_ingress(GroupId=other, IpPermissions=[lower])
    outcome, _ = run(open_and_record(ec2, other, [via_list(upper)]))
    assert outcome.decision is Decision.REMEDIATED, outcome.reason
    assert ingress(ec2, other) == [lower]  # the change's own entry only


def test_private_lists_allowed_ports_and_aws_managed_lists_pass(ec2: Any) -> None:
    gid = new_group(ec2)
    private = prefix_list(ec2, "10.0.0.0/8", "192.168.0.0/16")
    world = prefix_list(ec2, "0.0.0.0/0")
    aws_s3 = ec2.describe_managed_prefix_lists(
        Filters=[{"Name": "prefix-list-name", "Values": [f"com.amazonaws.{REGION}.s3"]}]
    )["PrefixLists"][0]["PrefixListId"]
    for permission in (via_list(private), via_list(world, port=443), via_list(aws_s3)):
        outcome, counter = run(open_and_record(ec2, gid, [permission]))
        assert outcome.decision is Decision.COMPLIANT, outcome.reason
        assert counter.writes == []
    # The AWS-managed list was never read (its owner says what it is).
    _, counter = run(open_and_record(ec2, new_group(ec2, "s3"), [via_list(aws_s3)]))
    assert "GetManagedPrefixListEntries" not in counter.calls


def test_a_list_that_cannot_be_read_is_named_not_passed(ec2: Any) -> None:
    gid = new_group(ec2)
    world = prefix_list(ec2, "0.0.0.0/0")
    event = open_and_record(ec2, gid, [via_list(world)])
    ec2.delete_managed_prefix_list(PrefixListId=world)  # gone (or shared, or denied)
    ec2.describe_managed_prefix_lists()  # moto drops deleted lists on the next read
    outcome, counter = run(event)
    assert outcome.decision is Decision.NOTIFIED and outcome.rule == "GR-SG2"
    assert f"not judged: prefix list {world}" in outcome.reason
    assert counter.writes == []


def test_config_routes_the_group_and_the_list_is_read(ec2: Any) -> None:
    gid = new_group(ec2)
    world = prefix_list(ec2, "0.0.0.0/0")
    ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[via_list(world)])
    event = copy.deepcopy(load_event("config-sg-noncompliant.json"))
    event["detail"]["resourceId"] = gid
    event["detail"]["awsAccountId"] = event["account"] = ACCOUNT
    qualifier = event["detail"]["newEvaluationResult"]["evaluationResultIdentifier"]
    qualifier["evaluationResultQualifier"]["resourceId"] = gid
    s = settings(config_rules={"guardrails-sg-open-ingress": "sg-open-ingress"})
    outcome, _ = run(event, s)
    assert outcome.decision is Decision.REMEDIATED, outcome.reason
    assert ingress(ec2, gid) == []


def list_changed(pl: str, name: str = "ModifyManagedPrefixList") -> dict[str, Any]:
    event = copy.deepcopy(load_event("modify-prefix-list-world.json"))
    detail = event["detail"]
    detail["eventName"] = name
    detail["requestParameters"]["ModifyManagedPrefixListRequest"]["PrefixListId"] = pl
    detail["responseElements"]["ModifyManagedPrefixListResponse"]["prefixList"]["prefixListId"] = pl
    return dict(event)


def test_a_shared_list_made_world_open_is_notified_never_edited(ec2: Any) -> None:
    bastions = prefix_list(ec2, "198.51.100.0/24")
    ssh_group, web_group, exempt = (
        new_group(ec2, "ssh"),
        new_group(ec2, "web"),
        new_group(ec2, "exempt", tags={"SecurityExemption": "true"}),
    )
    for gid, port in ((ssh_group, 22), (web_group, 443), (exempt, 22)):
        ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[via_list(bastions, port)])
    ec2.modify_managed_prefix_list(
        PrefixListId=bastions, CurrentVersion=1, AddEntries=[{"Cidr": "0.0.0.0/0"}]
    )
    outcome, counter = run(list_changed(bastions))
    assert outcome.decision is Decision.NOTIFIED and outcome.rule == "GR-SG1"
    assert outcome.resource == bastions
    assert f"{ssh_group} (tcp 22 from {bastions})" in outcome.reason
    assert web_group not in outcome.reason and exempt not in outcome.reason
    assert "does not edit it" in outcome.reason
    assert counter.writes == []  # neither the list nor any group was changed
    entries = ec2.get_managed_prefix_list_entries(PrefixListId=bastions)["Entries"]
    assert "0.0.0.0/0" in {e["Cidr"] for e in entries}


def test_list_changes_that_open_nothing_are_compliant(ec2: Any) -> None:
    private = prefix_list(ec2, "10.0.0.0/8")
    gid = new_group(ec2)
    ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[via_list(private)])
    outcome, _ = run(list_changed(private))
    assert outcome.decision is Decision.COMPLIANT and "holds no network" in outcome.reason
    # A new list has no references yet: a group that references it later is judged then.
    fresh = prefix_list(ec2, "0.0.0.0/0")
    outcome, _ = run(list_changed(fresh, "CreateManagedPrefixList"))
    assert outcome.decision is Decision.COMPLIANT
    assert "no group references it on a disallowed port" in outcome.reason


def test_a_list_change_record_without_a_list_id_is_unsupported(ec2: Any) -> None:
    event = list_changed("pl-0f1e2d3c4b5a69788")
    event["detail"]["requestParameters"] = {"ModifyManagedPrefixListRequest": {}}
    outcome, counter = run(event)
    assert outcome.decision is Decision.UNSUPPORTED
    assert "no prefix list id (pl-...) in the requestParameters" in outcome.reason
    assert counter.total == 0
