"""Event envelopes and the EC2 readers, over every recorded shape."""

from __future__ import annotations

import copy

import pytest
from conftest import load_event

from guardrails_runtime.adapters.ec2_security_group import (
    entries_from_api,
    entries_from_authorize,
    entries_from_modify,
    entries_to_api,
    group_ref_from_authorize,
)
from guardrails_runtime.events import (
    ApiCall,
    ComplianceChange,
    MalformedEventError,
    items,
    parse,
)
from guardrails_runtime.model import IngressEntry, SourceKind


def test_envelope_and_bare_record_parse_alike() -> None:
    envelope = load_event("authorize-ssh-world.json")
    bare = envelope["detail"]
    a, b = parse(envelope), parse(bare)
    assert isinstance(a, ApiCall) and isinstance(b, ApiCall)
    assert (
        (a.event_name, a.event_id, a.region, a.account)
        == (b.event_name, b.event_id, b.region, b.account)
        == (
            "AuthorizeSecurityGroupIngress",
            "3f9b2d4a-6c1e-4f7a-b0d2-8e5c1a9f7b31",
            "eu-west-1",
            "210987654321",
        )
    )
    assert a.actor == "arn:aws:sts::210987654321:assumed-role/Developer/dana"


def test_config_event_parses() -> None:
    change = parse(load_event("config-sg-noncompliant.json"))
    assert isinstance(change, ComplianceChange)
    assert (change.rule_name, change.resource_id, change.compliance, change.resource_type) == (
        "guardrails-sg-open-ingress",
        "sg-0a1b2c3d4e5f60006",
        "NON_COMPLIANT",
        "AWS::EC2::SecurityGroup",
    )


@pytest.mark.parametrize(
    ("event", "message"),
    [
        ([], "event must be a JSON object, got list"),
        (
            {"detail-type": "Scheduled Event", "detail": {}},
            "unsupported detail-type 'Scheduled Event'",
        ),
        (
            {"detail-type": "AWS API Call via CloudTrail", "detail": "x"},
            "'detail' must be an object",
        ),
        ({"eventSource": "ec2.amazonaws.com"}, "record.eventName must be a non-empty string"),
        (
            {"eventName": "X", "eventSource": "ec2.amazonaws.com", "requestParameters": [1]},
            "requestParameters must be an object or null",
        ),
        (
            {"detail-type": "Config Rules Compliance Change", "detail": {"resourceId": "sg-1"}},
            "detail.configRuleName must be a non-empty string",
        ),
    ],
)
def test_malformed_events_name_the_field(event: object, message: str) -> None:
    with pytest.raises(MalformedEventError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse(event)


def test_made_by_role_matches_issuer_and_assumed_role_arn() -> None:
    role = "arn:aws:iam::210987654321:role/service/Guardrails-Remediation"
    by_issuer = ApiCall(
        "X",
        "ec2.amazonaws.com",
        None,
        None,
        None,
        None,
        None,
        {"sessionContext": {"sessionIssuer": {"arn": role}}},
        {},
        {},
    )
    by_arn = ApiCall(
        "X",
        "ec2.amazonaws.com",
        None,
        None,
        None,
        None,
        None,
        {"arn": "arn:aws:sts::210987654321:assumed-role/Guardrails-Remediation/fn"},
        {},
        {},
    )
    other = ApiCall(
        "X",
        "ec2.amazonaws.com",
        None,
        None,
        None,
        None,
        None,
        {"arn": "arn:aws:sts::210987654321:assumed-role/Developer/dana"},
        {},
        {},
    )
    assert by_issuer.made_by_role(role) and by_arn.made_by_role(role)
    assert by_arn.made_by_role(role, "fn") and not by_arn.made_by_role(role, "other")
    assert not by_issuer.made_by_role(role, "fn")  # no session to check: not the guardrail
    assert not other.made_by_role(role)


def test_items_accepts_every_list_encoding() -> None:
    assert items(None) == [] and items({}) == [] and items("") == []
    assert items({"items": [1, 2]}) == [1, 2]
    assert items({"items": {"a": 1}}) == [{"a": 1}]
    assert items([3]) == [3] and items({"a": 1}) == [{"a": 1}] and items("x") == ["x"]


def test_authorize_prefers_rule_set_with_ids() -> None:
    detail = load_event("authorize-ssh-world.json")["detail"]
    entries = entries_from_authorize(detail["requestParameters"], detail["responseElements"])
    assert [(e.source, e.kind, e.rule_id, e.description) for e in entries] == [
        ("0.0.0.0/0", SourceKind.IPV4, "sgr-0aa1111111111111a", "temporary debug"),
        ("10.20.0.0/16", SourceKind.IPV4, "sgr-0aa2222222222222b", "office VPN"),
        ("::/0", SourceKind.IPV6, "sgr-0aa3333333333333c", None),
    ]


def test_authorize_without_rule_set_reads_request() -> None:
    detail = load_event("authorize-ssh-world.json")["detail"]
    entries = entries_from_authorize(detail["requestParameters"], {"_return": True})
    assert [(e.protocol, e.from_port, e.source, e.rule_id) for e in entries] == [
        ("tcp", 22, "0.0.0.0/0", None),
        ("tcp", 22, "10.20.0.0/16", None),
        ("tcp", 22, "::/0", None),
    ]


def test_authorize_legacy_flat_form() -> None:
    record = load_event("authorize-legacy-cidrip.json")
    entries = entries_from_authorize(record["requestParameters"], record["responseElements"])
    assert entries == [IngressEntry("tcp", 3389, 3389, "0.0.0.0/0", SourceKind.IPV4)]
    assert group_ref_from_authorize(record["requestParameters"]) == ("id", "sg-0a1b2c3d4e5f60002")


def test_authorize_by_group_name_and_single_object_lists() -> None:
    request = {
        "groupName": "web",
        "ipPermissions": {
            "items": {
                "ipProtocol": "tcp",
                "fromPort": "8080",
                "toPort": "8080",
                "ipRanges": {"items": {"cidrIp": "0.0.0.0/0"}},
                "groups": {"items": [{"groupId": "sg-0ffffffffffffffff"}]},
                "prefixListIds": {"items": [{"prefixListId": "pl-1234"}]},
            }
        },
    }
    assert group_ref_from_authorize(request) == ("name", "web")
    entries = entries_from_authorize(request, {})
    assert [(e.source, e.kind, e.from_port) for e in entries] == [
        ("0.0.0.0/0", SourceKind.IPV4, 8080),
        ("pl-1234", SourceKind.PREFIX_LIST, 8080),
        ("sg-0ffffffffffffffff", SourceKind.GROUP, 8080),
    ]


def test_authorize_rule_set_skips_egress() -> None:
    response = {
        "securityGroupRuleSet": {
            "items": [
                {
                    "securityGroupRuleId": "sgr-e",
                    "isEgress": True,
                    "ipProtocol": "-1",
                    "cidrIpv4": "0.0.0.0/0",
                },
                {
                    "securityGroupRuleId": "sgr-i",
                    "isEgress": False,
                    "ipProtocol": "tcp",
                    "fromPort": 22,
                    "toPort": 22,
                    "referencedGroupInfo": {"groupId": "sg-1", "userId": "210987654321"},
                },
            ]
        }
    }
    assert entries_from_authorize({"groupId": "sg-9"}, response) == [
        IngressEntry("tcp", 22, 22, "sg-1", SourceKind.GROUP, None, "sgr-i")
    ]


@pytest.mark.parametrize(
    ("request_parameters", "message"),
    [
        ({}, "neither groupId nor groupName"),
        (
            {"groupId": "sg-0123456789abcdef0", "ipPermissions": {"items": [{"fromPort": 22}]}},
            "ipProtocol is missing",
        ),
        (
            {
                "groupId": "sg-0123456789abcdef0",
                "ipPermissions": {
                    "items": [{"ipProtocol": "tcp", "fromPort": "ssh", "toPort": 22}]
                },
            },
            "fromPort: port is not a number",
        ),
        (
            {
                "groupId": "sg-0123456789abcdef0",
                "ipPermissions": {
                    "items": [
                        {
                            "ipProtocol": "tcp",
                            "fromPort": 22,
                            "toPort": 22,
                            "ipRanges": {"items": [{"cidrIp": 7}]},
                        }
                    ]
                },
            },
            r"ipRanges\[0\].cidrIp must be a non-empty string",
        ),
        (
            {"groupId": "sg-0123456789abcdef0", "ipPermissions": {"items": ["tcp"]}},
            r"ipPermissions\[0\] must be an object",
        ),
    ],
)
def test_authorize_malformed(request_parameters: dict[str, object], message: str) -> None:
    with pytest.raises(MalformedEventError, match=message):
        group_ref_from_authorize(request_parameters)
        entries_from_authorize(request_parameters, {})


def test_modify_rules_wrapper_single_and_list() -> None:
    request = load_event("modify-rule-rdp-world.json")["detail"]["requestParameters"]
    group_id, entries = entries_from_modify(request)
    assert group_id == "sg-0a1b2c3d4e5f60004"
    assert entries == [
        IngressEntry(
            "tcp",
            3389,
            3389,
            "0.0.0.0/0",
            SourceKind.IPV4,
            "RDP from anywhere",
            "sgr-0cc1111111111111a",
        )
    ]
    listed = copy.deepcopy(request)
    wrapper = listed["ModifySecurityGroupRulesRequest"]
    second = {
        "SecurityGroupRuleId": "sgr-2",
        "SecurityGroupRule": {
            "IpProtocol": "udp",
            "FromPort": 53,
            "ToPort": 53,
            "CidrIpv6": "::/0",
        },
    }
    wrapper["SecurityGroupRule"] = [wrapper["SecurityGroupRule"], second]
    _, entries = entries_from_modify(listed)
    assert [(e.rule_id, e.kind) for e in entries] == [
        ("sgr-0cc1111111111111a", SourceKind.IPV4),
        ("sgr-2", SourceKind.IPV6),
    ]


@pytest.mark.parametrize(
    ("request_parameters", "message"),
    [
        ({}, "ModifySecurityGroupRulesRequest is missing"),
        ({"ModifySecurityGroupRulesRequest": {"SecurityGroupRule": {}}}, "GroupId is missing"),
        ({"ModifySecurityGroupRulesRequest": {"GroupId": "sg-1"}}, "SecurityGroupRule is missing"),
        (
            {
                "ModifySecurityGroupRulesRequest": {
                    "GroupId": "sg-1",
                    "SecurityGroupRule": {
                        "SecurityGroupRuleId": "sgr-1",
                        "SecurityGroupRule": {"IpProtocol": "tcp"},
                    },
                }
            },
            "names no source",
        ),
    ],
)
def test_modify_malformed(request_parameters: dict[str, object], message: str) -> None:
    with pytest.raises(MalformedEventError, match=message):
        entries_from_modify(request_parameters)


def test_api_shape_round_trip() -> None:
    permissions = [
        {
            "IpProtocol": "tcp",
            "FromPort": 22,
            "ToPort": 22,
            "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "a"}, {"CidrIp": "10.0.0.0/8"}],
            "Ipv6Ranges": [{"CidrIpv6": "::/0"}],
            "PrefixListIds": [{"PrefixListId": "pl-1", "Description": "b"}],
            "UserIdGroupPairs": [{"GroupId": "sg-2", "UserId": "210987654321"}],
        },
        {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "192.168.0.0/16"}]},
    ]
    entries = entries_from_api(permissions)
    assert len(entries) == 6
    back = entries_to_api(entries)
    assert back[0]["IpRanges"] == permissions[0]["IpRanges"]
    assert back[0]["PrefixListIds"] == permissions[0]["PrefixListIds"]
    assert back[0]["UserIdGroupPairs"] == [{"GroupId": "sg-2"}]
    assert back[1] == {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "192.168.0.0/16"}]}
