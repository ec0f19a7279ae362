"""Test helpers: CloudTrail record builders, AWS call counting and fault injection.

Faults are injected with botocore's own ``before-send`` hook on a real boto3 client, so
the request still goes through botocore's retry logic and error parsing; only the HTTP
answer comes from here instead of moto.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from typing import Any

import boto3
from botocore.awsrequest import AWSResponse

from guardrails_runtime.aws import Clients
from guardrails_runtime.handler import process
from guardrails_runtime.model import Mode
from guardrails_runtime.settings import RuntimeSettings

REGION = "eu-west-1"
ACCOUNT = "123456789012"

# SSH opened to the world (IPv4 and IPv6) beside a private range, in one permission.
SSH_MIXED = [
    {
        "IpProtocol": "tcp",
        "FromPort": 22,
        "ToPort": 22,
        "IpRanges": [
            {"CidrIp": "0.0.0.0/0", "Description": "temporary debug"},
            {"CidrIp": "10.20.0.0/16", "Description": "office VPN"},
        ],
        "Ipv6Ranges": [{"CidrIpv6": "::/0"}],
    }
]


def cloudtrail_permissions(permissions: list[Mapping[str, Any]]) -> dict[str, Any]:
    """boto3 ``IpPermissions`` -> CloudTrail's ``ipPermissions`` (lower camel, ``items``)."""
    out = []
    for p in permissions:
        item: dict[str, Any] = {"ipProtocol": p["IpProtocol"]}
        if "FromPort" in p:
            item["fromPort"] = p["FromPort"]
        if "ToPort" in p:
            item["toPort"] = p["ToPort"]
        item["ipRanges"] = {
            "items": [
                {
                    "cidrIp": r["CidrIp"],
                    **({"description": r["Description"]} if "Description" in r else {}),
                }
                for r in p.get("IpRanges", [])
            ]
        }
        item["ipv6Ranges"] = {
            "items": [{"cidrIpv6": r["CidrIpv6"]} for r in p.get("Ipv6Ranges", [])]
        }
        item["prefixListIds"] = {
            "items": [{"prefixListId": r["PrefixListId"]} for r in p.get("PrefixListIds", [])]
        }
        item["groups"] = {
            "items": [{"groupId": r["GroupId"]} for r in p.get("UserIdGroupPairs", [])]
        }
        out.append(item)
    return {"items": out}


def cloudtrail_rule_set(rules: list[Mapping[str, Any]]) -> dict[str, Any]:
    """boto3 ``SecurityGroupRules`` -> CloudTrail's ``securityGroupRuleSet``."""
    items = []
    for r in rules:
        item = {
            k[0].lower() + k[1:]: v
            for k, v in r.items()
            if k not in ("Tags", "ReferencedGroupInfo")
        }
        if "ReferencedGroupInfo" in r:
            item["referencedGroupInfo"] = {"groupId": r["ReferencedGroupInfo"]["GroupId"]}
        items.append(item)
    return {"items": items}


def authorize_record(
    group_id: str,
    permissions: list[Mapping[str, Any]],
    created_rules: list[Mapping[str, Any]] | None = None,
    *,
    actor: str = "arn:aws:sts::123456789012:assumed-role/Developer/dana",
    error_code: str | None = None,
    envelope: bool = True,
    event_id: str = "00000000-0000-4000-8000-000000000001",
) -> dict[str, Any]:
    """A CloudTrail ``AuthorizeSecurityGroupIngress`` record for a call that was made."""
    role = None
    if ":assumed-role/" in actor:
        role = actor.rsplit(":assumed-role/", maxsplit=1)[-1].split("/", maxsplit=1)[0]
    identity: dict[str, Any] = {
        "type": "AssumedRole" if role else "IAMUser",
        "arn": actor,
        "accountId": ACCOUNT,
    }
    if role:
        identity["sessionContext"] = {
            "sessionIssuer": {
                "type": "Role",
                "arn": f"arn:aws:iam::{ACCOUNT}:role/{role}",
                "userName": role,
            }
        }
    detail: dict[str, Any] = {
        "eventVersion": "1.09",
        "userIdentity": identity,
        "eventTime": "2026-11-20T09:14:03Z",
        "eventSource": "ec2.amazonaws.com",
        "eventName": "AuthorizeSecurityGroupIngress",
        "awsRegion": REGION,
        "requestParameters": {
            "groupId": group_id,
            "ipPermissions": cloudtrail_permissions(permissions),
        },
        "responseElements": (
            {"_return": True, "securityGroupRuleSet": cloudtrail_rule_set(created_rules)}
            if created_rules is not None
            else {"_return": True}
        ),
        "eventID": event_id,
        "readOnly": False,
        "eventType": "AwsApiCall",
        "recipientAccountId": ACCOUNT,
    }
    if error_code:
        detail["errorCode"] = error_code
        detail["responseElements"] = None
    if not envelope:
        return detail
    return {
        "version": "0",
        "id": "e-1",
        "detail-type": "AWS API Call via CloudTrail",
        "source": "aws.ec2",
        "account": ACCOUNT,
        "region": REGION,
        "detail": detail,
    }


def open_and_record(
    ec2: Any, group_id: str, permissions: list[dict[str, Any]], **kwargs: Any
) -> dict[str, Any]:
    """Make the call for real on moto, and return the CloudTrail record AWS would write."""
    return authorize_record(group_id, permissions, authorize(ec2, group_id, permissions), **kwargs)


def authorize(ec2: Any, group_id: str, permissions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Authorize on moto and return every rule created (AWS's ``SecurityGroupRules``).

    One call per permission: moto's response to a multi-permission call lists only the
    last permission's rules, where AWS lists them all.
    """
    rules: list[dict[str, Any]] = []
    for permission in permissions:
        created = ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=[permission])
        rules.extend(created["SecurityGroupRules"])
    return rules


def new_group(ec2: Any, name: str = "web", tags: Mapping[str, str] | None = None) -> str:
    vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]
    spec: dict[str, Any] = {"GroupName": name, "Description": "test", "VpcId": vpc["VpcId"]}
    if tags:
        spec["TagSpecifications"] = [
            {
                "ResourceType": "security-group",
                "Tags": [{"Key": k, "Value": v} for k, v in tags.items()],
            }
        ]
    return str(ec2.create_security_group(**spec)["GroupId"])


def ingress(ec2: Any, group_id: str) -> list[dict[str, Any]]:
    """The group's live IpPermissions, normalised for comparison (sorted, empties dropped)."""
    perms = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]["IpPermissions"]
    out = []
    for p in perms:
        q = {
            k: (sorted(v, key=json.dumps) if isinstance(v, list) else v)
            for k, v in p.items()
            if v != []
        }
        out.append(q)
    return sorted(out, key=json.dumps)


class CallCounter:
    """Counts API operations made through a client (botocore ``before-call`` events)."""

    def __init__(self, client: Any) -> None:
        self.calls: Counter[str] = Counter()
        self.order: list[str] = []
        client.meta.events.register("before-call", self._count)

    def _count(self, model: Any, **_: Any) -> None:
        self.calls[model.name] += 1
        self.order.append(model.name)

    @property
    def total(self) -> int:
        return sum(self.calls.values())

    @property
    def writes(self) -> list[str]:
        """Operations that change something (reads are Describe*, Get* and List*)."""
        return [name for name in self.order if not name.startswith(("Describe", "Get", "List"))]


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


def inject_ec2_error(
    client: Any, operation: str, code: str, status: int, times: int, *, sent: bool = False
) -> list[int]:
    """Answer the next ``times`` ``operation`` calls with an EC2 error; returns a hit list.

    ``sent=False`` answers at ``before-call``: the request never reaches moto (use it for
    writes that must not happen) and botocore does not retry. ``sent=True`` answers at
    ``before-send``, inside botocore's retry loop; moto still executes the request (every
    ``before-send`` handler runs), so use it for reads only.
    """
    hits: list[int] = []
    body = (
        '<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error>'
        f"<Code>{code}</Code><Message>injected {code}</Message></Error></Errors>"
        "<RequestID>00000000-0000-0000-0000-000000000000</RequestID></Response>"
    ).encode()

    def on_send(request: Any, **_: Any) -> AWSResponse | None:
        if len(hits) >= times:
            return None
        hits.append(1)
        return AWSResponse(request.url, status, {}, _Raw(body))

    def on_call(**_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
        if len(hits) >= times:
            return None
        hits.append(1)
        parsed = {
            "Error": {"Code": code, "Message": f"injected {code}"},
            "ResponseMetadata": {"HTTPStatusCode": status},
        }
        return AWSResponse("https://ec2.invalid", status, {}, _Raw(body)), parsed

    if sent:
        client.meta.events.register_first(f"before-send.ec2.{operation}", on_send)
    else:
        client.meta.events.register_first(f"before-call.ec2.{operation}", on_call)
    return hits


def settings(mode: Mode = Mode.REMEDIATE, **kwargs: Any) -> RuntimeSettings:
    return RuntimeSettings(mode=mode, **kwargs)


def clients() -> Clients:
    return Clients(boto3.session.Session(region_name=REGION))


def replay_load(events: int, groups: int = 50) -> tuple[list[Any], list[str], float, Any]:
    """Open SSH (and HTTPS) on ``groups`` moto groups ``events`` times and run the handler on
    each recorded change, back to back. Returns (outcomes, group ids, seconds, ec2 client).

    Call inside ``mock_aws``. Every third change is compliant (HTTPS); the others open SSH
    to the world and must be reverted before the next change to the same group.
    """
    ec2 = boto3.client("ec2", region_name=REGION)
    group_ids = [new_group(ec2, f"load-{i}") for i in range(groups)]
    ssh = [
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
    ]
    https = [
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
    ]
    https_events = {group: open_and_record(ec2, group, https) for group in group_ids}
    recorded = []
    for i in range(events):
        group = group_ids[i % groups]
        kind = "compliant" if i % 3 == 2 else "open"
        recorded.append((kind, group, https_events[group] if kind == "compliant" else None))
    handler_clients = clients()
    runtime = settings()
    outcomes = []
    elapsed = 0.0
    for kind, group, recorded_event in recorded:
        event = open_and_record(ec2, group, ssh) if kind == "open" else recorded_event
        start = time.perf_counter()
        outcomes.append(process(event, runtime, handler_clients))
        elapsed += time.perf_counter() - start
    return outcomes, group_ids, elapsed, ec2


def config_event(resource_id: str, resource_type: str, rule: str) -> dict[str, Any]:
    """A NON_COMPLIANT Config evaluation of ``rule`` on one resource, in REGION (from the
    bundled example, so its envelope stays the documented one)."""
    from conftest import load_event

    event = load_event("config-sg-noncompliant.json")
    event["detail"] |= {
        "resourceId": resource_id,
        "resourceType": resource_type,
        "configRuleName": rule,
    }
    event["region"] = event["detail"]["awsRegion"] = REGION
    return event


def same_account_ledger(*args: Any, **kwargs: Any) -> Any:
    """An operator's ledger whose undo acts in the account each entry names.

    In single-account mode the records' account is the stack's, and so the operator's.
    Here moto's credentials act in its default account (123456789012) while the bundled
    example records, written before hub mode, name 210987654321: this double says "the
    same account" so that undo tests test the undo. The account check itself runs with
    moto's real STS in tests/test_org_hub.py (a member's entry, the hub's credentials).
    """
    from guardrails.ledger_ops import Acting, OperatorLedger, account_of

    class SameAccountLedger(OperatorLedger):
        def undo(self, entry_id: str, **options: Any) -> dict[str, Any]:
            if options.get("acting") is None:
                options["acting"] = Acting(self.clients, account_of(self.entry(entry_id)))
            done: dict[str, Any] = super().undo(entry_id, **options)
            return done

    return SameAccountLedger(*args, **kwargs)


def undo(outcome: Any, **kwargs: Any) -> dict[str, Any]:
    """``guardrails undo`` of an outcome's ledger entry (table ``ledger``), as an operator."""
    book = same_account_ledger(settings(ledger_table="ledger"), clients())
    actor = "arn:aws:iam::123456789012:user/operator"
    done: dict[str, Any] = book.undo(str(outcome.entry_id), actor=actor, dry_run=False, **kwargs)
    return done
