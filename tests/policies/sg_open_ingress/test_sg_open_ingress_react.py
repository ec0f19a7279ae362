"""sg-open-ingress against moto's in-memory EC2/SNS/SQS, through real boto3 calls."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError
from conftest import load_event
from helpers import (
    REGION,
    SSH_MIXED,
    CallCounter,
    authorize_record,
    clients,
    ingress,
    inject_ec2_error,
    new_group,
    open_and_record,
    settings,
)

from guardrails_runtime.handler import process
from guardrails_runtime.model import Decision, Mode

pytestmark = pytest.mark.usefixtures("aws")


def run(
    event: dict[str, Any], mode: Mode = Mode.REMEDIATE, **kwargs: Any
) -> tuple[Any, CallCounter]:
    c = clients()
    counter = CallCounter(c.get("ec2", REGION))
    outcome = process(event, settings(mode, **kwargs), c)
    return outcome, counter


def test_reverts_only_world_open_entries_in_two_calls(ec2: Any) -> None:
    gid = new_group(ec2)
    event = open_and_record(ec2, gid, SSH_MIXED)
    outcome, counter = run(event)
    assert outcome.decision is Decision.REMEDIATED
    assert counter.calls == {"DescribeSecurityGroups": 1, "RevokeSecurityGroupIngress": 1}
    assert ingress(ec2, gid) == [
        {
            "FromPort": 22,
            "IpProtocol": "tcp",
            "ToPort": 22,
            "IpRanges": [{"CidrIp": "10.20.0.0/16", "Description": "office VPN"}],
        }
    ]
    assert sorted(c.detail["cidr"] for c in outcome.changes) == ["0.0.0.0/0", "::/0"]
    assert all(c.detail["securityGroupRuleId"].startswith("sgr-") for c in outcome.changes)


def test_keeps_prefix_lists_group_references_and_other_ports(ec2: Any) -> None:
    gid = new_group(ec2)
    other = new_group(ec2, "app")
    ec2.authorize_security_group_ingress(
        GroupId=gid,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 22,
                "ToPort": 22,
                "PrefixListIds": [
                    {"PrefixListId": "pl-0123456789abcdef0", "Description": "bastions"}
                ],
                "UserIdGroupPairs": [{"GroupId": other, "Description": "app tier"}],
            },
            {
                "IpProtocol": "tcp",
                "FromPort": 443,
                "ToPort": 443,
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            },
        ],
    )
    before = ingress(ec2, gid)
    event = open_and_record(
        ec2,
        gid,
        [
            {
                "IpProtocol": "tcp",
                "FromPort": 22,
                "ToPort": 22,
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            }
        ],
    )
    outcome, _ = run(event)
    assert outcome.decision is Decision.REMEDIATED
    assert ingress(ec2, gid) == before


def test_compliant_change_costs_no_call(ec2: Any) -> None:
    gid = new_group(ec2)
    event = open_and_record(
        ec2,
        gid,
        [
            {
                "IpProtocol": "tcp",
                "FromPort": 443,
                "ToPort": 443,
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
                "Ipv6Ranges": [{"CidrIpv6": "::/0"}],
            }
        ],
    )
    outcome, counter = run(event)
    assert outcome.decision is Decision.COMPLIANT
    assert counter.total == 0


@pytest.mark.parametrize("tags", [{"SecurityExemption": "true"}, {"securityexemption": "TRUE"}])
def test_exempt_group_costs_one_read_and_keeps_everything(ec2: Any, tags: dict[str, str]) -> None:
    gid = new_group(ec2, tags=tags)
    event = open_and_record(ec2, gid, SSH_MIXED)
    before = ingress(ec2, gid)
    outcome, counter = run(event)
    assert outcome.decision is Decision.EXEMPT
    assert counter.calls == {"DescribeSecurityGroups": 1}
    assert ingress(ec2, gid) == before
    assert len(outcome.changes) == 2  # what would have been revoked is still reported


def test_custom_exemption_tag(ec2: Any) -> None:
    gid = new_group(ec2, tags={"guardrails/skip": "yes"})
    event = open_and_record(ec2, gid, SSH_MIXED)
    outcome, _ = run(event, exemption_tag_key="guardrails/skip", exemption_tag_value="Yes")
    assert outcome.decision is Decision.EXEMPT


def test_dry_run_changes_nothing_and_notifies(ec2: Any, inbox: Any) -> None:
    gid = new_group(ec2)
    event = open_and_record(ec2, gid, SSH_MIXED)
    before = ingress(ec2, gid)
    outcome, counter = run(event, Mode.NOTIFY, topic_arn=inbox.topic_arn)
    assert outcome.decision is Decision.WOULD_REMEDIATE
    assert counter.calls == {"DescribeSecurityGroups": 1}
    assert ingress(ec2, gid) == before
    [message] = inbox.messages()
    assert message["decision"] == "would-remediate" and message["mode"] == "notify"
    assert message["undo"] == [] and len(message["changes"]) == 2


def test_per_policy_mode_overrides_global(ec2: Any) -> None:
    gid = new_group(ec2)
    event = open_and_record(ec2, gid, SSH_MIXED)
    outcome, _ = run(event, Mode.REMEDIATE, policy_modes={"sg-open-ingress": Mode.NOTIFY})
    assert outcome.decision is Decision.WOULD_REMEDIATE
    outcome, counter = run(event, Mode.REMEDIATE, policy_modes={"sg-open-ingress": Mode.OFF})
    assert outcome.decision is Decision.IGNORED and counter.total == 0


def test_second_run_is_a_no_op(ec2: Any) -> None:
    gid = new_group(ec2)
    event = open_and_record(ec2, gid, SSH_MIXED)
    first, _ = run(event)
    after_first = ingress(ec2, gid)
    second, counter = run(event)
    assert (first.decision, second.decision) == (Decision.REMEDIATED, Decision.COMPLIANT)
    assert counter.calls == {"DescribeSecurityGroups": 1}
    assert ingress(ec2, gid) == after_first


def test_group_deleted_before_handling(ec2: Any) -> None:
    gid = new_group(ec2)
    event = open_and_record(ec2, gid, SSH_MIXED)
    ec2.delete_security_group(GroupId=gid)
    outcome, _ = run(event)
    assert outcome.decision is Decision.COMPLIANT
    assert "no longer exists" in outcome.reason


def test_rule_revoked_between_read_and_write(ec2: Any) -> None:
    gid = new_group(ec2)
    event = open_and_record(ec2, gid, SSH_MIXED)
    c = clients()
    handler_ec2 = c.get("ec2", REGION)

    def someone_else_revokes(**_: Any) -> None:
        handler_ec2.meta.events.unregister(
            "before-call.ec2.RevokeSecurityGroupIngress", someone_else_revokes
        )
        ec2.revoke_security_group_ingress(
            GroupId=gid,
            IpPermissions=[
                {
                    "IpProtocol": "tcp",
                    "FromPort": 22,
                    "ToPort": 22,
                    "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
                }
            ],
        )

    handler_ec2.meta.events.register(
        "before-call.ec2.RevokeSecurityGroupIngress", someone_else_revokes
    )
    outcome = process(event, settings(), c)
    # The batch was rejected (one entry gone), so the rest was revoked entry by entry.
    assert outcome.decision is Decision.REMEDIATED
    assert "1 entry(ies) were already gone" in outcome.reason
    assert [ch.detail["cidr"] for ch in outcome.changes] == ["::/0"]
    assert ingress(ec2, gid) == [
        {
            "FromPort": 22,
            "IpProtocol": "tcp",
            "ToPort": 22,
            "IpRanges": [{"CidrIp": "10.20.0.0/16", "Description": "office VPN"}],
        }
    ]


def test_recorded_rule_ids_gone_but_entry_re_added(ec2: Any) -> None:
    """The event's rule ids no longer exist, the same entry was re-added: revoke by value."""
    gid = new_group(ec2)
    event = open_and_record(ec2, gid, SSH_MIXED)
    ec2.revoke_security_group_ingress(GroupId=gid, IpPermissions=SSH_MIXED)
    ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=SSH_MIXED)  # new rule ids
    outcome, counter = run(event)
    assert outcome.decision is Decision.REMEDIATED
    assert counter.calls == {"DescribeSecurityGroups": 1, "RevokeSecurityGroupIngress": 2}
    assert ingress(ec2, gid) == [
        {
            "FromPort": 22,
            "IpProtocol": "tcp",
            "ToPort": 22,
            "IpRanges": [{"CidrIp": "10.20.0.0/16", "Description": "office VPN"}],
        }
    ]


def test_access_denied_is_reported_not_raised(ec2: Any, inbox: Any) -> None:
    gid = new_group(ec2)
    event = open_and_record(ec2, gid, SSH_MIXED)
    before = ingress(ec2, gid)
    c = clients()
    inject_ec2_error(
        c.get("ec2", REGION), "RevokeSecurityGroupIngress", "UnauthorizedOperation", 403, 1
    )
    outcome = process(event, settings(topic_arn=inbox.topic_arn), c)
    assert outcome.decision is Decision.ERROR
    assert "access denied on RevokeSecurityGroupIngress (UnauthorizedOperation)" in outcome.reason
    assert ingress(ec2, gid) == before
    assert [m["decision"] for m in inbox.messages()] == ["error"]


def test_throttling_is_retried_by_botocore(ec2: Any) -> None:
    gid = new_group(ec2)
    event = open_and_record(ec2, gid, SSH_MIXED)
    c = clients()
    hits = inject_ec2_error(
        c.get("ec2", REGION), "DescribeSecurityGroups", "RequestLimitExceeded", 503, 2, sent=True
    )
    outcome = process(event, settings(), c)
    assert len(hits) == 2
    assert outcome.decision is Decision.REMEDIATED


def test_persistent_server_error_raises_for_a_retry(ec2: Any) -> None:
    gid = new_group(ec2)
    event = open_and_record(ec2, gid, SSH_MIXED)
    before = ingress(ec2, gid)
    c = clients()
    inject_ec2_error(c.get("ec2", REGION), "RevokeSecurityGroupIngress", "InternalError", 500, 99)
    with pytest.raises(ClientError, match="InternalError"):
        process(event, settings(), c)
    assert ingress(ec2, gid) == before


@pytest.mark.parametrize(
    "event",
    [
        "not even an object",
        {"detail-type": "AWS API Call via CloudTrail", "source": "aws.ec2", "detail": None},
        {
            "eventName": "AuthorizeSecurityGroupIngress",
            "eventSource": "ec2.amazonaws.com",
            "requestParameters": {"ipPermissions": {}},
        },
        {
            "eventName": "AuthorizeSecurityGroupIngress",
            "eventSource": "ec2.amazonaws.com",
            "requestParameters": {
                "groupId": "sg-1",
                "ipPermissions": {
                    "items": [
                        {
                            "ipProtocol": "tcp",
                            "fromPort": {"x": 1},
                            "toPort": 22,
                            "ipRanges": {"items": [{"cidrIp": "0.0.0.0/0"}]},
                        }
                    ]
                },
            },
        },
        {
            "eventName": "AuthorizeSecurityGroupIngress",
            "eventSource": "ec2.amazonaws.com",
            "requestParameters": {
                "groupId": "sg-1",
                "ipPermissions": {
                    "items": [
                        {
                            "ipProtocol": "tcp",
                            "fromPort": 22,
                            "toPort": 22,
                            "ipRanges": {"items": [{"cidrIp": "0.0.0.0/zero"}]},
                        }
                    ]
                },
            },
        },
        {
            "eventName": "ModifySecurityGroupRules",
            "eventSource": "ec2.amazonaws.com",
            "requestParameters": {"ModifySecurityGroupRulesRequest": "oops"},
        },
        {"eventName": "RunInstances", "eventSource": "ec2.amazonaws.com"},
    ],
)
def test_malformed_or_unknown_events_are_unsupported(event: Any) -> None:
    outcome, counter = run(event)
    assert outcome.decision is Decision.UNSUPPORTED
    assert outcome.reason
    assert counter.writes == []


def test_ignored_events(ec2: Any) -> None:
    gid = new_group(ec2)
    failed = authorize_record(gid, SSH_MIXED, error_code="Client.UnauthorizedOperation")
    own = open_and_record(
        ec2, gid, SSH_MIXED, actor="arn:aws:sts::123456789012:assumed-role/Guardrails-Remediator/fn"
    )
    egress = authorize_record(gid, SSH_MIXED, envelope=False) | {
        "eventName": "AuthorizeSecurityGroupEgress"
    }
    refs_only = authorize_record(
        gid, [{"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": gid}]}]
    )
    read_only = {
        "eventName": "DescribeSecurityGroups",
        "eventSource": "ec2.amazonaws.com",
        "readOnly": True,
    }
    role = "arn:aws:iam::123456789012:role/Guardrails-Remediator"
    for event, why in [
        (failed, "the call failed"),
        (own, "made by the guardrail itself"),
        (refs_only, "only security-group references"),
        (read_only, "read-only"),
    ]:
        outcome, counter = run(event, remediator_role_arn=role)
        assert outcome.decision is Decision.IGNORED, why
        assert why in outcome.reason
        assert counter.total == 0
    # Egress is default-sg-closed's: a group other than a VPC's default one is compliant.
    outcome, counter = run(egress)
    assert outcome.policy == "default-sg-closed" and outcome.decision is Decision.COMPLIANT
    assert counter.writes == []


def test_modify_security_group_rules_revokes_by_rule_id(ec2: Any) -> None:
    gid = new_group(ec2)
    [rule] = ec2.authorize_security_group_ingress(
        GroupId=gid,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 3389,
                "ToPort": 3389,
                "IpRanges": [{"CidrIp": "10.0.0.0/8", "Description": "admins"}],
            }
        ],
    )["SecurityGroupRules"]
    body = {
        "IpProtocol": "tcp",
        "FromPort": 3389,
        "ToPort": 3389,
        "CidrIpv4": "0.0.0.0/0",
        "Description": "RDP from anywhere",
    }
    ec2.modify_security_group_rules(
        GroupId=gid,
        SecurityGroupRules=[
            {"SecurityGroupRuleId": rule["SecurityGroupRuleId"], "SecurityGroupRule": body}
        ],
    )
    event = load_event("modify-rule-rdp-world.json")
    text = (
        json.dumps(event)
        .replace("sg-0a1b2c3d4e5f60004", gid)
        .replace("sgr-0cc1111111111111a", rule["SecurityGroupRuleId"])
    )
    outcome, counter = run(json.loads(text))
    assert outcome.decision is Decision.REMEDIATED
    # One more read than for an authorize: the rule's direction (an id may name egress).
    assert counter.calls == {
        "DescribeSecurityGroupRules": 1,
        "DescribeSecurityGroups": 1,
        "RevokeSecurityGroupIngress": 1,
    }
    assert outcome.changes[0].detail["securityGroupRuleId"] == rule["SecurityGroupRuleId"]
    assert ingress(ec2, gid) == []


def test_config_noncompliant_scans_the_whole_group(ec2: Any) -> None:
    gid = new_group(ec2)
    ec2.authorize_security_group_ingress(
        GroupId=gid,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 22,
                "ToPort": 22,
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}, {"CidrIp": "10.0.0.0/8"}],
            },
            {"IpProtocol": "-1", "Ipv6Ranges": [{"CidrIpv6": "::/0"}]},
            {
                "IpProtocol": "tcp",
                "FromPort": 443,
                "ToPort": 443,
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            },
        ],
    )
    event = json.loads(
        json.dumps(load_event("config-sg-noncompliant.json")).replace("sg-0a1b2c3d4e5f60006", gid)
    )
    outcome, counter = run(event, config_rules={"guardrails-sg-open-ingress": "sg-open-ingress"})
    assert outcome.decision is Decision.REMEDIATED
    assert counter.calls == {"DescribeSecurityGroups": 1, "RevokeSecurityGroupIngress": 1}
    assert ingress(ec2, gid) == [
        {"FromPort": 22, "IpProtocol": "tcp", "IpRanges": [{"CidrIp": "10.0.0.0/8"}], "ToPort": 22},
        {
            "FromPort": 443,
            "IpProtocol": "tcp",
            "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            "ToPort": 443,
        },
    ]


def test_config_event_of_unknown_rule_or_compliant_result(ec2: Any) -> None:
    event = load_event("config-sg-noncompliant.json")
    outcome, _ = run(event, config_rules={})
    assert outcome.decision is Decision.UNSUPPORTED
    event["detail"]["newEvaluationResult"]["complianceType"] = "COMPLIANT"
    outcome, counter = run(event, config_rules={"guardrails-sg-open-ingress": "sg-open-ingress"})
    assert outcome.decision is Decision.IGNORED and counter.total == 0


def test_legacy_flat_event_revokes_by_value(ec2: Any) -> None:
    gid = new_group(ec2)
    ec2.authorize_security_group_ingress(
        GroupId=gid, IpProtocol="tcp", FromPort=3389, ToPort=3389, CidrIp="0.0.0.0/0"
    )
    ec2.authorize_security_group_ingress(
        GroupId=gid, IpProtocol="tcp", FromPort=3389, ToPort=3389, CidrIp="192.0.2.0/24"
    )
    record = json.loads(
        json.dumps(load_event("authorize-legacy-cidrip.json")).replace("sg-0a1b2c3d4e5f60002", gid)
    )
    outcome, counter = run(record)
    assert outcome.decision is Decision.REMEDIATED
    assert counter.calls == {"DescribeSecurityGroups": 1, "RevokeSecurityGroupIngress": 1}
    assert ingress(ec2, gid) == [
        {
            "FromPort": 3389,
            "IpProtocol": "tcp",
            "IpRanges": [{"CidrIp": "192.0.2.0/24"}],
            "ToPort": 3389,
        }
    ]


def test_group_named_instead_of_id(ec2: Any) -> None:
    gid = new_group(ec2, "legacy-web")
    event = open_and_record(ec2, gid, SSH_MIXED)
    request = event["detail"]["requestParameters"]
    request["groupName"] = "legacy-web"
    del request["groupId"]
    outcome, _ = run(event)
    assert outcome.decision is Decision.REMEDIATED
    assert outcome.resource == gid


def test_preexisting_violation_outside_the_change_is_left_to_config(ec2: Any) -> None:
    """An event reverts its own change; older world-open entries are Config's to report."""
    gid = new_group(ec2)
    ec2.authorize_security_group_ingress(
        GroupId=gid,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 5432,
                "ToPort": 5432,
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            }
        ],
    )
    event = open_and_record(ec2, gid, SSH_MIXED)
    outcome, _ = run(event)
    assert outcome.decision is Decision.REMEDIATED
    assert [p["FromPort"] for p in ingress(ec2, gid)] == [22, 5432]


def test_notification_content_and_undo_round_trip(ec2: Any, inbox: Any) -> None:
    gid = new_group(ec2)
    event = open_and_record(ec2, gid, SSH_MIXED)
    before = ingress(ec2, gid)
    outcome, _ = run(event, topic_arn=inbox.topic_arn)
    [message] = inbox.messages()
    assert message["decision"] == "remediated" and message["policy"] == "sg-open-ingress"
    assert message["resourceArn"] == f"arn:aws:ec2:{REGION}:123456789012:security-group/{gid}"
    assert message["actor"] == "arn:aws:sts::123456789012:assumed-role/Developer/dana"
    assert message["eventId"] and message["eventTime"] and message["account"] == "123456789012"
    assert message["howToExempt"] == (
        f"aws ec2 create-tags --region {REGION} --resources {gid} "
        "--tags Key=SecurityExemption,Value=true"
    )
    assert message["subject"].startswith("[guardrails] Reverted sg-open-ingress on sg-")
    # Every undo command, executed, restores exactly what was removed.
    for command in message["undo"]:
        assert command.startswith(
            f"aws ec2 authorize-security-group-ingress --region {REGION} "
            f"--group-id {gid} --ip-permissions '"
        )
        permissions = json.loads(command.split("--ip-permissions ", 1)[1].strip("'"))
        ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=permissions)
    assert ingress(ec2, gid) == before
    assert len(outcome.changes) == len(message["undo"]) == 2


def test_lambda_entry_point_reads_environment(ec2: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from guardrails_runtime import handler as module

    gid = new_group(ec2)
    event = open_and_record(ec2, gid, SSH_MIXED)
    monkeypatch.setenv("GUARDRAILS_MODE", "remediate")
    monkeypatch.setattr(module, "_settings", None)
    monkeypatch.setattr(module, "_clients", clients())
    result = module.handler(event, None)
    assert result["decision"] == "remediated"
    assert json.dumps(result)  # the return value is plain JSON
