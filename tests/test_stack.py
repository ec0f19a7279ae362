"""Synthesis tests: GuardrailStack's resources, IAM, event patterns, cdk-nag and cfn-lint."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import boto3
import pytest
from conftest import ROOT, load_event

from guardrails.settings import POLICIES

pytestmark = pytest.mark.synth

EXPECTED_ACTIONS = {
    "s3:PutBucketPolicy",
    "ec2:RevokeSecurityGroupEgress",
    "config:StartConfigurationRecorder",
    "config:DescribeDeliveryChannels",
    "config:DescribeConfigurationRecorderStatus",
    "config:DescribeConfigurationRecorders",
    "sns:SetTopicAttributes",
    "sns:ListTagsForResource",
    "sns:GetTopicAttributes",
    "lambda:RemovePermission",
    "lambda:GetFunctionUrlConfig",
    "lambda:GetPolicy",
    "lambda:GetFunction",
    "guardduty:UpdateDetector",
    "guardduty:GetDetector",
    "guardduty:CreateDetector",
    "guardduty:ListDetectors",
    "ec2:ModifyInstanceMetadataOptions",
    "ec2:DescribeInstances",
    "redshift:ModifyCluster",
    "redshift:DescribeClusters",
    "ssm:ModifyDocumentPermission",
    "ssm:ListTagsForResource",
    "ssm:DescribeDocumentPermission",
    "rds:ModifyDBClusterSnapshotAttribute",
    "rds:DescribeDBClusterSnapshotAttributes",
    "rds:DescribeDBClusterSnapshots",
    "rds:ModifyDBSnapshotAttribute",
    "rds:DescribeDBSnapshotAttributes",
    "rds:DescribeDBSnapshots",
    "ec2:ModifySnapshotAttribute",
    "ec2:DescribeSnapshots",
    "ec2:DescribeSnapshotAttribute",
    "kms:EnableKey",
    "kms:CancelKeyDeletion",
    "kms:ListResourceTags",
    "kms:DescribeKey",
    "cloudtrail:DescribeTrails",
    "cloudtrail:GetEventSelectors",
    "cloudtrail:GetTrailStatus",
    "cloudtrail:ListTags",
    "cloudtrail:StartLogging",
    "dynamodb:GetItem",
    "events:ListRules",
    "events:ListTargetsByRule",
    "dynamodb:PutItem",
    "dynamodb:Query",
    "dynamodb:UpdateItem",  # hold items only (dynamodb:LeadingKeys)
    "cloudformation:DescribeStacks",  # its own stack only: whose deployment changed it
    "cloudformation:DescribeStackEvents",
    "scheduler:CreateSchedule",  # re-checks, in the guardrail's group only
    "iam:PassRole",  # the re-check role, to Scheduler only
    "cloudtrail:RemoveTags",
    "ec2:DeleteTags",
    "ec2:DescribeSecurityGroupRules",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeManagedPrefixLists",
    "ec2:GetManagedPrefixListEntries",
    "ec2:GetManagedPrefixListAssociations",
    "ec2:EnableEbsEncryptionByDefault",
    "ec2:GetEbsEncryptionByDefault",
    "ec2:RevokeSecurityGroupIngress",
    "kms:Decrypt",
    "kms:GenerateDataKey",
    "logs:CreateLogStream",
    "logs:PutLogEvents",
    "rds:DescribeDBInstances",
    "rds:ModifyDBInstance",
    "rds:RemoveTagsFromResource",
    "s3:GetAccountPublicAccessBlock",
    "s3:GetBucketAcl",
    "s3:GetBucketPolicy",
    "s3:GetBucketPublicAccessBlock",
    "s3:GetBucketTagging",
    "s3:PutAccountPublicAccessBlock",
    "s3:PutBucketAcl",
    "s3:PutBucketPublicAccessBlock",
    "s3:PutBucketTagging",
    "s3:GetEncryptionConfiguration",
    "s3:PutEncryptionConfiguration",
    "sns:Publish",
    "sqs:GetQueueAttributes",
    "sqs:GetQueueUrl",
    "sqs:SendMessage",
}


def synth(**settings: Any) -> tuple[Any, dict[str, Any]]:
    import aws_cdk as cdk
    from aws_cdk.assertions import Template

    from guardrails import GuardrailSettings, GuardrailStack

    app = cdk.App()
    stack = GuardrailStack(app, "Guardrails", settings=GuardrailSettings(**settings))
    template: dict[str, Any] = Template.from_stack(stack).to_json()
    return stack, template


@pytest.fixture(scope="session")
def default_stack() -> tuple[Any, dict[str, Any]]:
    return synth(notification_emails=("secops@example.com",))


@pytest.fixture(scope="session")
def template(default_stack: tuple[Any, dict[str, Any]]) -> dict[str, Any]:
    return default_stack[1]


def of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}


def remediation_policy(template: dict[str, Any]) -> dict[str, Any]:
    """The remediation role's policy (the re-check role has its own, one action)."""
    [role] = [
        k
        for k, r in of_type(template, "AWS::IAM::Role").items()
        if "remediation" in r["Properties"].get("Description", "")
    ]
    [policy] = [
        p
        for p in of_type(template, "AWS::IAM::Policy").values()
        if p["Properties"]["Roles"] == [{"Ref": role}]
    ]
    return policy


def recheck_policy(template: dict[str, Any]) -> dict[str, Any]:
    [role] = [
        k
        for k, r in of_type(template, "AWS::IAM::Role").items()
        if "Scheduler" in r["Properties"].get("Description", "")
    ]
    [policy] = [
        p
        for p in of_type(template, "AWS::IAM::Policy").values()
        if p["Properties"]["Roles"] == [{"Ref": role}]
    ]
    return policy


def lambda_rules(template: dict[str, Any]) -> list[dict[str, Any]]:
    """The EventBridge rules that route events to the remediation Lambda (not
    self-protection, not the scheduled heartbeat)."""
    return [
        r
        for r in of_type(template, "AWS::Events::Rule").values()
        if "GetAtt" in json.dumps(r["Properties"]["Targets"][0]["Arn"])
        and "EventPattern" in r["Properties"]
        and "self-protection" not in r["Properties"].get("Name", "")
    ]


def one(template: dict[str, Any], kind: str) -> dict[str, Any]:
    [resource] = of_type(template, kind).values()
    props: dict[str, Any] = resource.get("Properties", {})
    return props


def test_every_resource(template: dict[str, Any]) -> None:
    counts: dict[str, int] = {}
    for resource in template["Resources"].values():
        counts[resource["Type"]] = counts.get(resource["Type"], 0) + 1
    assert counts == {
        "AWS::KMS::Key": 1,
        "AWS::SNS::Topic": 1,
        "AWS::SNS::TopicPolicy": 1,
        "AWS::SNS::Subscription": 1,
        "AWS::SQS::Queue": 1,
        "AWS::SQS::QueuePolicy": 1,
        "AWS::Logs::LogGroup": 1,
        "AWS::IAM::Role": 2,  # the remediation role, the role Scheduler re-checks with
        "AWS::IAM::Policy": 2,
        "AWS::Scheduler::ScheduleGroup": 1,
        "AWS::Lambda::Function": 1,
        "AWS::Lambda::EventInvokeConfig": 1,
        # 22 CloudTrail routes to the Lambda (one per policy with react events, exemption-
        # tags one per tagged service, each filtered on the exemption tag key) + one route
        # of every Config rule's NON_COMPLIANT changes + the hourly heartbeat + the two
        # rules that send CloudFormation's changes of the guardrail's resources to the
        # Lambda; each adds a statement to the function's policy (20 KB cap, see
        # bench/quotas.py)
        "AWS::Lambda::Permission": 26,
        # + the two self-protection rules (the guardrail, its notification path)
        "AWS::Events::Rule": 28,
        "AWS::Config::ConfigRule": 20,
        "AWS::DynamoDB::Table": 1,
        "AWS::CloudWatch::Alarm": 4,  # errors, throttles, dead letters, missing heartbeat
    }


def test_lambda_configuration(template: dict[str, Any]) -> None:
    fn = one(template, "AWS::Lambda::Function")
    assert fn["Runtime"] == "python3.14" and fn["Architectures"] == ["arm64"]
    assert fn["Handler"] == "guardrails_runtime.handler.handler"
    assert fn["Timeout"] == 60 and fn["ReservedConcurrentExecutions"] == 5
    assert fn["LoggingConfig"]["LogFormat"] == "JSON"
    env = fn["Environment"]["Variables"]
    assert env["GUARDRAILS_MODE"] == "notify"
    assert env["GUARDRAILS_ALLOWED_PUBLIC_PORTS"] == "80,443"
    assert json.loads(env["GUARDRAILS_CONFIG_RULES"]) == {
        "guardrails-sg-open-ingress": "sg-open-ingress",
        "guardrails-sg-open-ingress-ssh": "sg-open-ingress",
        "guardrails-ebs-encryption-by-default": "ebs-encryption",
        "guardrails-s3-encryption": "s3-encryption",
        "guardrails-s3-public-access": "s3-public-access",
        "guardrails-rds-public-access": "rds-public-access",
        "guardrails-s3-ssl-only": "s3-ssl-only",
        "guardrails-default-sg-closed": "default-sg-closed",
        "guardrails-sns-topic-public": "sns-topic-public",
        "guardrails-lambda-public-access": "lambda-public-access",
        "guardrails-guardduty-enabled": "guardduty-enabled",
        "guardrails-imdsv2-required": "imdsv2-required",
        "guardrails-redshift-public-access": "redshift-public-access",
        "guardrails-ssm-document-public": "ssm-document-public",
        "guardrails-rds-snapshot-public": "rds-snapshot-public",
        "guardrails-kms-key-deletion": "kms-key-deletion",
    }  # ENCRYPTED_VOLUMES is detect-only: not routed
    assert set(env) >= {
        "GUARDRAILS_TOPIC_ARN",
        "GUARDRAILS_REMEDIATOR_ROLE_ARN",
        "GUARDRAILS_EXEMPTION_TAG_KEY",
        "GUARDRAILS_EXEMPTION_TAG_VALUE",
    }
    assert one(template, "AWS::Logs::LogGroup")["RetentionInDays"] == 90
    invoke = one(template, "AWS::Lambda::EventInvokeConfig")
    assert invoke["MaximumRetryAttempts"] == 2
    assert "OnFailure" in invoke["DestinationConfig"]


def test_role_has_exactly_the_declared_actions(template: dict[str, Any]) -> None:
    actions: set[str] = set()
    for statement in remediation_policy(template)["Properties"]["PolicyDocument"]["Statement"]:
        assert statement["Effect"] == "Allow"
        found = statement["Action"]
        actions.update([found] if isinstance(found, str) else found)
    assert actions == EXPECTED_ACTIONS
    for role in of_type(template, "AWS::IAM::Role").values():
        assert "ManagedPolicyArns" not in role["Properties"]


def test_rechecks_invoke_the_function_only_and_are_created_in_their_group_only(
    template: dict[str, Any],
) -> None:
    [fn] = of_type(template, "AWS::Lambda::Function")
    [invoke] = recheck_policy(template)["Properties"]["PolicyDocument"]["Statement"]
    assert invoke["Action"] == "lambda:InvokeFunction"
    assert invoke["Resource"] == {"Fn::GetAtt": [fn, "Arn"]}
    [role] = [
        r
        for r in of_type(template, "AWS::IAM::Role").values()
        if "Scheduler" in r["Properties"].get("Description", "")
    ]
    [trust] = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "scheduler.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
    statements = remediation_policy(template)["Properties"]["PolicyDocument"]["Statement"]
    [create] = [s for s in statements if s["Action"] == "scheduler:CreateSchedule"]
    assert json.dumps(create["Resource"]).endswith(':schedule/guardrails-rechecks/*"]]}')
    [passing] = [s for s in statements if s["Action"] == "iam:PassRole"]
    assert passing["Condition"] == {
        "StringEquals": {"iam:PassedToService": "scheduler.amazonaws.com"}
    }
    [update] = [s for s in statements if s["Action"] == "dynamodb:UpdateItem"]
    assert update["Condition"] == {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["hold#*"]}}
    env = one(template, "AWS::Lambda::Function")["Environment"]["Variables"]
    assert env["GUARDRAILS_RECHECK_GROUP"] == "guardrails-rechecks"
    assert one(template, "AWS::Scheduler::ScheduleGroup")["Name"] == "guardrails-rechecks"


def test_revoke_is_scoped_to_security_group_arns(template: dict[str, Any]) -> None:
    policy = remediation_policy(template)
    [revoke] = [
        s
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
        if s["Action"] == "ec2:RevokeSecurityGroupIngress"
    ]
    assert json.dumps(revoke["Resource"]).endswith(':security-group/*"]]}')


def test_every_remediation_declares_iam_actions() -> None:
    from guardrails_runtime.remediations import all_remediations

    assert all_remediations()
    for remediation in all_remediations():
        declared = {a for grant in remediation.iam for a in grant.actions}
        assert declared, remediation.policy
        assert all(grant.why for grant in remediation.iam)
        assert declared <= EXPECTED_ACTIONS


def test_topic_is_encrypted_and_tls_only(template: dict[str, Any]) -> None:
    topic = one(template, "AWS::SNS::Topic")
    assert "KmsMasterKeyId" in topic
    policy = one(template, "AWS::SNS::TopicPolicy")["PolicyDocument"]["Statement"]
    assert any(
        s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        for s in policy
    )
    assert one(template, "AWS::KMS::Key")["EnableKeyRotation"] is True
    subscription = one(template, "AWS::SNS::Subscription")
    assert subscription["Protocol"] == "email" and subscription["Endpoint"] == "secops@example.com"
    assert subscription["FilterPolicy"] == {
        "decision": [{"exists": False}, {"anything-but": ["compliant"]}]
    }


def test_dead_letter_queue(template: dict[str, Any]) -> None:
    queue = one(template, "AWS::SQS::Queue")
    assert queue["SqsManagedSseEnabled"] is True and queue["MessageRetentionPeriod"] == 1209600
    statements = one(template, "AWS::SQS::QueuePolicy")["PolicyDocument"]["Statement"]
    assert any(s["Effect"] == "Deny" for s in statements)  # TLS only
    assert any(s.get("Principal") == {"Service": "events.amazonaws.com"} for s in statements)
    for rule in lambda_rules(template):
        [target] = rule["Properties"]["Targets"]
        assert target["RetryPolicy"] == {
            "MaximumEventAgeInSeconds": 21600,
            "MaximumRetryAttempts": 8,
        }
        assert "DeadLetterConfig" in target


def test_config_rules(template: dict[str, Any]) -> None:
    rules = {
        r["Properties"]["ConfigRuleName"]: r["Properties"]
        for r in of_type(template, "AWS::Config::ConfigRule").values()
    }
    assert rules["guardrails-sg-open-ingress"]["Source"] == {
        "Owner": "AWS",
        "SourceIdentifier": "VPC_SG_OPEN_ONLY_TO_AUTHORIZED_PORTS",
    }
    assert rules["guardrails-sg-open-ingress"]["InputParameters"] == {
        "authorizedTcpPorts": "80,443",
        "authorizedUdpPorts": "80,443",
    }
    assert (
        rules["guardrails-sg-open-ingress-ssh"]["Source"]["SourceIdentifier"]
        == "INCOMING_SSH_DISABLED"
    )
    for name in ("guardrails-sg-open-ingress", "guardrails-sg-open-ingress-ssh"):
        assert rules[name]["Scope"] == {"ComplianceResourceTypes": ["AWS::EC2::SecurityGroup"]}
    ebs = rules["guardrails-ebs-encryption-by-default"]
    assert (
        ebs["Source"]["SourceIdentifier"] == "EC2_EBS_ENCRYPTION_BY_DEFAULT" and "Scope" not in ebs
    )
    volumes = rules["guardrails-ebs-encrypted-volumes"]
    assert volumes["Scope"] == {"ComplianceResourceTypes": ["AWS::EC2::Volume"]}


def test_settings_change_the_stack() -> None:
    from guardrails_runtime.model import Mode

    _, template = synth(
        config_rules=False,
        allowed_public_ports=frozenset({22, 443}),
        mode=Mode.REMEDIATE,
        reserved_concurrency=0,
        log_retention_days=365,
    )
    assert of_type(template, "AWS::Config::ConfigRule") == {}
    # One API route per policy (per service for exemption-tags), no Config routes.
    assert len(lambda_rules(template)) == len(POLICIES) + 3
    fn = one(template, "AWS::Lambda::Function")
    assert "ReservedConcurrentExecutions" not in fn
    assert fn["Environment"]["Variables"]["GUARDRAILS_MODE"] == "remediate"
    assert fn["Environment"]["Variables"]["GUARDRAILS_ALLOWED_PUBLIC_PORTS"] == "22,443"
    assert one(template, "AWS::Logs::LogGroup")["RetentionInDays"] == 365
    _, with_ssh = synth(allowed_public_ports=frozenset({22, 443}), policies=("sg-open-ingress",))
    names = [
        r["Properties"]["ConfigRuleName"]
        for r in of_type(with_ssh, "AWS::Config::ConfigRule").values()
    ]
    assert names == ["guardrails-sg-open-ingress"]  # SSH may be public: no SSH rule


# --- event patterns, matched by EventBridge (moto's) against our recorded events -------


def pattern_matches(pattern: dict[str, Any], events: dict[str, dict[str, Any]]) -> set[str]:
    """Names of the events that an EventBridge rule with ``pattern`` delivers."""
    from moto import mock_aws

    with mock_aws():
        bridge = boto3.client("events", region_name="eu-west-1")
        sqs = boto3.client("sqs", region_name="eu-west-1")
        url = sqs.create_queue(QueueName="matched")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        bridge.put_rule(Name="under-test", EventPattern=json.dumps(pattern))
        bridge.put_targets(Rule="under-test", Targets=[{"Id": "q", "Arn": arn}])
        for name, event in events.items():
            entry = {
                "Source": event["source"],
                "DetailType": event["detail-type"],
                "Detail": json.dumps(event["detail"]),
                "Resources": [name],
            }
            assert bridge.put_events(Entries=[entry])["FailedEntryCount"] == 0
        matched: set[str] = set()
        while got := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
            for message in got:
                matched.update(json.loads(message["Body"])["resources"])
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return matched


def as_envelope(record: dict[str, Any]) -> dict[str, Any]:
    if "detail" in record:
        return record
    return {"source": "aws.ec2", "detail-type": "AWS API Call via CloudTrail", "detail": record}


def test_cloudtrail_pattern_matches_our_recorded_events(template: dict[str, Any]) -> None:
    rules = {
        r["Properties"]["Description"]: r["Properties"]["EventPattern"]
        for r in of_type(template, "AWS::Events::Rule").values()
        if "EventPattern" in r["Properties"]
    }
    [pattern] = [p for name, p in rules.items() if name.startswith("sg-open-ingress: Authorize")]
    ssh = load_event("authorize-ssh-world.json")
    egress = json.loads(json.dumps(ssh))
    egress["detail"]["eventName"] = "AuthorizeSecurityGroupEgress"
    events = {
        "ssh": ssh,
        "legacy": as_envelope(load_event("authorize-legacy-cidrip.json")),
        "https": as_envelope(load_event("authorize-https-world.json")),
        "modify": load_event("modify-rule-rdp-world.json"),
        "failed": as_envelope(load_event("authorize-failed.json")),
        "egress": egress,
        "config": load_event("config-sg-noncompliant.json"),
        "prefix-list": load_event("modify-prefix-list-world.json"),
    }
    assert pattern_matches(pattern, events) == {"ssh", "legacy", "https", "modify", "prefix-list"}


def test_compliance_pattern_matches_only_non_compliant(template: dict[str, Any]) -> None:
    rules = {
        r["Properties"]["Description"]: r["Properties"]["EventPattern"]
        for r in of_type(template, "AWS::Events::Rule").values()
        if "EventPattern" in r["Properties"]
    }
    pattern = rules["Config NON_COMPLIANT evaluations of the guardrails' rules"]
    # One rule routes every Config rule that has a fix, and only those.
    from guardrails import GuardrailSettings

    routed = GuardrailSettings().runtime_environment()["GUARDRAILS_CONFIG_RULES"]
    assert sorted(pattern["detail"]["configRuleName"]) == sorted(json.loads(routed))
    noncompliant = load_event("config-sg-noncompliant.json")
    compliant = json.loads(json.dumps(noncompliant))
    compliant["detail"]["newEvaluationResult"]["complianceType"] = "COMPLIANT"
    other_rule = json.loads(json.dumps(noncompliant))
    other_rule["detail"]["configRuleName"] = "someone-elses-rule"
    events = {
        "noncompliant": noncompliant,
        "compliant": compliant,
        "other": other_rule,
        "cloudtrail": load_event("authorize-ssh-world.json"),
    }
    assert pattern_matches(pattern, events) == {"noncompliant"}


def test_ebs_patterns_match_our_recorded_events(template: dict[str, Any]) -> None:
    rules = {
        r["Properties"]["Description"]: r["Properties"]["EventPattern"]
        for r in of_type(template, "AWS::Events::Rule").values()
        if "EventPattern" in r["Properties"]
    }
    api = rules["ebs-encryption: DisableEbsEncryptionByDefault"]
    disable = as_envelope(load_event("disable-ebs-encryption-by-default.json"))
    sg = load_event("authorize-ssh-world.json")
    assert pattern_matches(api, {"disable": disable, "sg": sg}) == {"disable"}
    config = rules["Config NON_COMPLIANT evaluations of the guardrails' rules"]
    assert "guardrails-ebs-encryption-by-default" in config["detail"]["configRuleName"]
    assert "guardrails-ebs-encrypted-volumes" not in config["detail"]["configRuleName"]
    event = load_event("config-ebs-noncompliant.json")
    volumes = json.loads(json.dumps(event))
    volumes["detail"]["configRuleName"] = "guardrails-ebs-encrypted-volumes"  # detect-only
    assert pattern_matches(config, {"ebs": event, "volumes": volumes}) == {"ebs"}


def test_s3_encryption_pattern_matches_our_recorded_event(template: dict[str, Any]) -> None:
    rules = {
        r["Properties"]["Description"]: r["Properties"]["EventPattern"]
        for r in of_type(template, "AWS::Events::Rule").values()
        if "EventPattern" in r["Properties"]
    }
    api = rules["s3-encryption: DeleteBucketEncryption, PutBucketEncryption"]
    record = load_event("delete-bucket-encryption.json")
    envelope = {"source": "aws.s3", "detail-type": "AWS API Call via CloudTrail", "detail": record}
    failed = {**envelope, "detail": {**record, "errorCode": "NoSuchBucket"}}
    assert pattern_matches(
        api,
        {
            "delete": envelope,
            "failed": failed,
            "ebs": as_envelope(load_event("disable-ebs-encryption-by-default.json")),
        },
    ) == {"delete"}


def test_cloudtrail_pattern_matches_our_recorded_event(template: dict[str, Any]) -> None:
    rules = {
        r["Properties"]["Description"]: r["Properties"]["EventPattern"]
        for r in of_type(template, "AWS::Events::Rule").values()
        if "EventPattern" in r["Properties"]
    }
    api = rules["cloudtrail-enabled: StopLogging, DeleteTrail, UpdateTrail, PutEventSelectors"]
    record = load_event("stop-logging.json")
    envelope = {
        "source": "aws.cloudtrail",
        "detail-type": "AWS API Call via CloudTrail",
        "detail": record,
    }
    assert pattern_matches(
        api, {"stop": envelope, "s3": load_event("config-sg-noncompliant.json")}
    ) == {"stop"}
    config = {
        r["Properties"]["ConfigRuleName"]: r["Properties"]
        for r in of_type(template, "AWS::Config::ConfigRule").values()
    }
    assert config["guardrails-cloudtrail-log-file-validation"]["Scope"] == {
        "ComplianceResourceTypes": ["AWS::CloudTrail::Trail"]
    }


# --- cdk-nag and cfn-lint ----------------------------------------------------------------


def test_stack_passes_aws_solutions_checks() -> None:
    """Real cdk-nag, registered as users do; acknowledgements apply only inside synth."""
    import aws_cdk as cdk
    from cdk_nag import AwsSolutionsChecks

    from guardrails import GuardrailSettings, GuardrailStack

    app = cdk.App()
    GuardrailStack(
        app, "Guardrails", settings=GuardrailSettings(notification_emails=("a@example.com",))
    )
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    app.synth()  # raises on any unacknowledged error-level finding


def test_aws_solutions_checks_would_fail_without_the_acknowledgements(
    default_stack: tuple[Any, dict[str, Any]],
) -> None:
    """The acknowledgements are each needed: the pack alone flags exactly those rules."""
    from cdk_nag import AwsSolutionsChecks

    stack, _ = default_stack
    report = AwsSolutionsChecks().validate_scope(stack)  # applies no acknowledgement
    assert sorted({v.rule_name for v in report.violations}) == sorted(
        [
            "AwsSolutions-IAM5[Resource::*]",
            "AwsSolutions-IAM5[Resource::<GuardrailCoreLedgerTableB87A6DF9.Arn>/index/*]",
            "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:events:<AWS::Region>:"
            "<AWS::AccountId>:rule/guardrails-*]",
            "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>"
            ":security-group/*]",
            "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>"
            ":prefix-list/*]",
            "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:cloudtrail:<AWS::Region>:"
            "<AWS::AccountId>:trail/*]",
            "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::*]",
            "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:rds:<AWS::Region>:"
            "<AWS::AccountId>:db:*]",
            "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:"
            "<AWS::AccountId>:schedule/guardrails-rechecks/*]",
            "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:kms:<AWS::Region>:"
            "<AWS::AccountId>:key/*]",
            "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>::snapshot/*]",
            "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:rds:<AWS::Region>:"
            "<AWS::AccountId>:snapshot:*]",
            "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:rds:<AWS::Region>:"
            "<AWS::AccountId>:cluster-snapshot:*]",
            "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:<AWS::Region>:"
            "<AWS::AccountId>:document/*]",
            "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:redshift:<AWS::Region>:"
            "<AWS::AccountId>:cluster:*]",
            "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:"
            "<AWS::AccountId>:instance/*]",
            "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:guardduty:<AWS::Region>:"
            "<AWS::AccountId>:detector/*]",
            "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:lambda:<AWS::Region>:"
            "<AWS::AccountId>:function:*]",
            "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sns:<AWS::Region>:"
            "<AWS::AccountId>:*]",
            "AwsSolutions-SQS3",
        ]
    )


def test_cfn_lint_reports_no_errors(template: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "Guardrails.template.json"
    path.write_text(json.dumps(template))
    result = subprocess.run(
        [str(Path(sys.executable).parent / "cfn-lint"), "--non-zero-exit-code", "error", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_asset_is_the_runtime_package_without_docstrings(tmp_path: Path) -> None:
    """The asset holds the runtime package only (no emulator hooks, template readers or
    byte code), each module without docstrings and comments; the stripped handler gives
    the same outcome as the source on a bundled event."""
    import ast

    from guardrails.core import stage_runtime

    root = stage_runtime(tmp_path)
    assert sorted(p.name for p in root.iterdir()) == [
        "guardrails_runtime",
        "guardrails_runtime.zip",
    ]
    with zipfile.ZipFile(root / "guardrails_runtime.zip") as archive:
        modules = {i.filename: archive.read(i).decode() for i in archive.infolist()}
        assert {i.compress_type for i in archive.infolist()} == {zipfile.ZIP_STORED}
        assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    # The archive holds the policies and adapters; the cold start's modules are files.
    assert {name.split("/")[1] for name in modules} == {"policies", "adapters"}
    files = {
        p.relative_to(root).as_posix(): p.read_text()
        for p in (root / "guardrails_runtime").rglob("*.py")
    }
    assert "guardrails_runtime/handler.py" in files and not set(files) & set(modules)
    modules |= files
    shipped = sorted(modules)
    assert "guardrails_runtime/handler.py" in shipped
    assert not [p for p in shipped if p.endswith(("emulate.py", ".pyc")) or "/templates/" in p]
    source = ROOT / "lambda_src"
    for name in shipped:
        if not name.endswith(".py"):
            continue
        original, stripped = (source / name).read_text(), modules[name]
        assert "#" not in stripped.split("\n", 1)[0] and '"""' not in stripped, name

        # Same code: the names defined at module level and in classes are the same.
        def names(text: str) -> list[str]:
            return sorted(
                n.name
                for n in ast.walk(ast.parse(text))
                if isinstance(n, ast.FunctionDef | ast.ClassDef | ast.AsyncFunctionDef)
            )

        assert names(original) == names(stripped), name
    # Staging twice gives the same bytes: the asset hash moves only with the code.
    again = stage_runtime(tmp_path.parent / f"{tmp_path.name}-again")
    assert (again / "guardrails_runtime.zip").read_bytes() == (
        root / "guardrails_runtime.zip"
    ).read_bytes()
    script = (
        "import json, sys\n"
        "from guardrails_runtime.handler import process\n"
        "from guardrails_runtime.settings import RuntimeSettings\n"
        "from guardrails_runtime.aws import Clients\n"
        "event = json.load(open(sys.argv[1]))\n"
        "print(json.dumps(process(event, RuntimeSettings(), Clients()).as_dict(), sort_keys=True))"
    )
    event = ROOT / "guardrails" / "examples" / "events" / "authorize-https-world.json"
    outputs = [
        subprocess.run(
            [sys.executable, "-c", script, str(event)],
            capture_output=True,
            text=True,
            check=True,
            # No byte code written into the staged asset (measured below), whatever the
            # environment (this machine sets PYTHONDONTWRITEBYTECODE, a CI may not).
            env={
                **os.environ,
                "PYTHONPATH": str(where),
                "AWS_DEFAULT_REGION": "eu-west-1",
                "PYTHONDONTWRITEBYTECODE": "1",
            },
        ).stdout
        for where in (root, source)
    ]
    assert outputs[0] == outputs[1] and '"decision": "compliant"' in outputs[0]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(root.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(root))
    assert len(buffer.getvalue()) < 100 * 1024  # the size budget (docs/performance.md)


def test_asset_specs_keep_every_field_the_lambda_reads(tmp_path: Path) -> None:
    """The asset empties the specs' documenting texts (docs pages, RULES.md, construct
    docstrings); everything the Lambda reads (ids, levels, triggers, Config rules, fixes,
    IAM actions, undo calls) is the same, and every policy imports from the archive."""
    from guardrails.core import stage_runtime

    root = stage_runtime(tmp_path)
    script = (
        "import json, importlib\n"
        "from guardrails_runtime.spec import specs\n"
        "out = []\n"
        "for s in specs():\n"
        "    if s.fix: importlib.import_module(f'guardrails_runtime.policies.{s.module}.fix')\n"
        "    out.append([s.id, [(r.id, r.level) for r in s.rules], s.kinds, s.triggers,\n"
        "        [c.identifier for c in s.config_rules], s.fix and (s.fix.cls,\n"
        "        [g.actions for g in s.fix.iam], s.fix.undo), s.docs, s.construct_doc])\n"
        "print(json.dumps(out, sort_keys=True, default=str))"
    )
    staged, source = (
        json.loads(
            subprocess.run(
                [sys.executable, "-c", script],
                capture_output=True,
                text=True,
                check=True,
                env={**os.environ, "PYTHONPATH": str(where)},
            ).stdout
        )
        for where in (root, ROOT / "lambda_src")
    )
    assert [row[:-2] for row in staged] == [row[:-2] for row in source]
    assert {tuple(row[-2:]) for row in staged} == {("", "")}
    assert all(row[-1] for row in source)


BASE_ACTIONS = {
    "dynamodb:GetItem",
    "events:ListRules",  # the heartbeat
    "events:ListTargetsByRule",
    "dynamodb:PutItem",
    "dynamodb:Query",
    "dynamodb:UpdateItem",
    "scheduler:CreateSchedule",
    "iam:PassRole",
    "cloudformation:DescribeStacks",
    "cloudformation:DescribeStackEvents",
    "kms:Decrypt",
    "kms:GenerateDataKey",
    "logs:CreateLogStream",
    "logs:PutLogEvents",
    "sns:Publish",
    "sqs:GetQueueAttributes",
    "sqs:GetQueueUrl",
    "sqs:SendMessage",
}


@pytest.mark.parametrize(
    ("construct", "example"),
    [
        ("SecurityGroupGuardrail", "authorize-ssh-world.json"),
        ("S3EncryptionGuardrail", "delete-bucket-encryption.json"),
        ("S3PublicAccessGuardrail", "put-bucket-acl-public-read.json"),
        ("CloudTrailGuardrail", "stop-logging.json"),
        ("EbsGuardrail", "disable-ebs-encryption-by-default.json"),
        ("RdsPublicAccessGuardrail", "modify-db-instance-public.json"),
        ("S3SslOnlyGuardrail", "delete-bucket-policy.json"),
        ("DefaultSgClosedGuardrail", "authorize-default-group-egress.json"),
        ("ConfigRecorderGuardrail", "stop-config-recorder.json"),
        ("SnsTopicPublicGuardrail", "set-topic-policy-public.json"),
        ("LambdaPublicAccessGuardrail", "add-permission-public.json"),
        ("GuardDutyGuardrail", "disable-guardduty.json"),
        ("Imdsv2Guardrail", "run-instances-imdsv1.json"),
        ("RedshiftPublicAccessGuardrail", "modify-redshift-public.json"),
        ("SsmDocumentPublicGuardrail", "share-document-public.json"),
        ("RdsSnapshotPublicGuardrail", "share-db-snapshot-public.json"),
        ("EbsSnapshotPublicGuardrail", "share-snapshot-public.json"),
        ("KmsKeyDeletionGuardrail", "schedule-key-deletion.json"),
    ],
)
def test_each_construct_alone(construct: str, example: str) -> None:
    """Alone in a stack, a guardrail's role holds exactly its remediation's actions (plus
    logging, publishing and the DLQ), and its rule matches its recorded event."""
    import aws_cdk as cdk
    from aws_cdk.assertions import Template

    import guardrails

    cls = getattr(guardrails, construct)
    stack = cdk.Stack(cdk.App(), "App")
    cls(stack, "Guardrail")
    template = Template.from_stack(stack).to_json()
    actions: set[str] = set()
    for statement in remediation_policy(template)["Properties"]["PolicyDocument"]["Statement"]:
        found = statement["Action"]
        actions.update([found] if isinstance(found, str) else found)
    declared = {a for grant in cls.remediation.iam for a in grant.actions}
    assert actions == BASE_ACTIONS | declared
    [api] = [
        r["Properties"]["EventPattern"]
        for r in lambda_rules(template)
        if "AWS API Call via CloudTrail" in r["Properties"]["EventPattern"]["detail-type"]
    ]
    record = load_event(example)
    source = api["source"][0]
    envelope = (
        record
        if "detail" in record
        else {"source": source, "detail-type": "AWS API Call via CloudTrail", "detail": record}
    )
    assert pattern_matches(api, {"example": envelope}) == {"example"}


def test_guardrails_of_one_stack_with_different_settings_fail_synth() -> None:
    """The second guardrail's settings were once dropped silently (remediate became notify)."""
    import aws_cdk as cdk

    from guardrails import GuardrailSettings, S3EncryptionGuardrail, SecurityGroupGuardrail

    app = cdk.App()
    stack = cdk.Stack(app, "App")
    SecurityGroupGuardrail(stack, "Ssh", settings=GuardrailSettings(mode="notify"))
    S3EncryptionGuardrail(
        stack, "Buckets", settings=GuardrailSettings(mode="remediate", require_kms=True)
    )
    with pytest.raises(RuntimeError) as failure:
        app.synth()
    text = str(failure.value)
    assert "App/Buckets was given settings that differ from those of App/Ssh" in text
    assert "in mode, require_kms;" in text


def test_guardrails_sharing_settings_or_joining_synthesize() -> None:
    import aws_cdk as cdk

    from guardrails import GuardrailSettings, S3EncryptionGuardrail, SecurityGroupGuardrail

    app = cdk.App()
    stack = cdk.Stack(app, "App")
    settings = GuardrailSettings(mode="remediate")
    first = SecurityGroupGuardrail(stack, "Ssh", settings=settings)
    second = S3EncryptionGuardrail(stack, "Buckets", settings=GuardrailSettings(mode="remediate"))
    third = S3EncryptionGuardrail(stack, "More")  # settings=None joins the stack's core
    assert first.core is second.core is third.core
    app.synth()


def test_guardrail_stack_honours_settings_stack_name() -> None:
    import aws_cdk as cdk

    from guardrails import GuardrailSettings, GuardrailStack
    from guardrails.settings import ContextError

    app = cdk.App()
    named = GuardrailStack(app, "Prod", settings=GuardrailSettings(stack_name="GuardrailsProd"))
    assert named.stack_name == "GuardrailsProd"
    kwarg = GuardrailStack(
        app,
        "Dev",
        settings=GuardrailSettings(resource_prefix="dev"),
        stack_name="GuardrailsDev",
    )
    assert kwarg.stack_name == "GuardrailsDev"
    with pytest.raises(ContextError, match=re.escape("stack_name='Other' differs from settings")):
        GuardrailStack(
            app, "Bad", settings=GuardrailSettings(stack_name="GuardrailsX"), stack_name="Other"
        )
    with pytest.raises(ContextError, match="dict is not a GuardrailSettings"):
        GuardrailStack(app, "Wrong", settings={"mode": "notify"})  # type: ignore[arg-type]


def test_two_guardrail_stacks_in_one_environment_need_distinct_names() -> None:
    import aws_cdk as cdk

    from guardrails import GuardrailSettings, GuardrailStack

    app = cdk.App()
    GuardrailStack(app, "One", settings=GuardrailSettings())
    GuardrailStack(app, "Two", settings=GuardrailSettings(stack_name="Guardrails2"))
    GuardrailStack(app, "Three", settings=GuardrailSettings(resource_prefix="three"))
    with pytest.raises(RuntimeError) as failure:
        app.synth()
    text = str(failure.value)
    assert "Two/GuardrailCore and One/GuardrailCore both use resource_prefix 'guardrails'" in text
    assert "set a distinct resource_prefix (guardrails:resourcePrefix)" in text
    assert "Three/GuardrailCore and One/GuardrailCore are in stacks both named 'Guardrails'" in text


def test_guardrail_stacks_in_different_regions_may_share_names() -> None:
    import aws_cdk as cdk

    from guardrails import GuardrailSettings, GuardrailStack

    app = cdk.App()
    for construct_id, region in (("Ireland", "eu-west-1"), ("Virginia", "us-east-1")):
        GuardrailStack(
            app,
            construct_id,
            settings=GuardrailSettings(),
            env=cdk.Environment(account="111122223333", region=region),
        )
    app.synth()


def test_two_guardrail_stacks_with_distinct_prefixes_and_names_synthesize() -> None:
    import aws_cdk as cdk

    from guardrails import GuardrailSettings, GuardrailStack

    app = cdk.App()
    GuardrailStack(app, "One", settings=GuardrailSettings())
    GuardrailStack(
        app, "Two", settings=GuardrailSettings(stack_name="Guardrails2", resource_prefix="gr2")
    )
    app.synth()


def test_outputs_named_in_the_readme_exist(template: dict[str, Any]) -> None:
    readme = "\n".join(
        p.read_text() for p in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    )
    outputs = template["Outputs"]
    assert "LedgerTableName" in outputs
    for name in re.findall(r"stack output `(\w+)`", readme):
        assert name in outputs, name
    assert re.findall(r"stack output `(\w+)`", readme), "the README names the ledger output"


def test_grants_without_an_account_in_the_arn_are_scoped_to_this_account(
    template: dict[str, Any],
) -> None:
    """S3 and EBS snapshot ARNs name no account: without aws:ResourceAccount the role could
    act on another account's bucket or snapshot that trusts it (issue 13, item 4)."""
    policy = remediation_policy(template)

    def accountless(statement: dict[str, Any]) -> bool:
        text = json.dumps(statement["Resource"])
        return ":s3:::" in text or "::snapshot/" in text

    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    scoped = [s for s in statements if accountless(s)]
    assert {":s3:::" in json.dumps(s["Resource"]) for s in scoped} == {True, False}
    for statement in scoped:
        assert statement["Condition"] == {
            "StringEquals": {"aws:ResourceAccount": {"Ref": "AWS::AccountId"}}
        }
    for statement in statements:
        if not accountless(statement):
            assert "aws:ResourceAccount" not in json.dumps(statement.get("Condition", {}))


def test_tagging_rules_pass_only_calls_that_name_the_exemption_key() -> None:
    """Ordinary tagging never reaches the Lambda: a flood of CreateTags cannot starve the
    guardrail's reserved concurrency (the rules filter on the configured key, any case)."""
    _, template = synth(exemption_tag_key="Waiver")
    rules = {
        r["Properties"]["Name"]: r["Properties"]["EventPattern"]
        for r in of_type(template, "AWS::Events::Rule").values()
        if r["Properties"].get("Name", "").startswith("guardrails-exemption-tags-api")
    }
    assert sorted(rules) == [
        "guardrails-exemption-tags-api-cloudtrail",
        "guardrails-exemption-tags-api-ec2",
        "guardrails-exemption-tags-api-rds",
        "guardrails-exemption-tags-api-s3",
    ]
    ec2 = rules["guardrails-exemption-tags-api-ec2"]["detail"]
    assert ec2["eventName"] == ["CreateTags", "DeleteTags"]
    assert ec2["requestParameters"]["tagSet"]["items"]["key"] == [{"equals-ignore-case": "Waiver"}]
    s3 = rules["guardrails-exemption-tags-api-s3"]["detail"]
    assert s3["requestParameters"]["Tagging"]["TagSet"]["Tag"]["Key"] == [
        {"equals-ignore-case": "Waiver"}
    ]


@pytest.mark.synth
def test_the_staged_asset_leaves_out_what_lambda_never_runs(tmp_path: Path) -> None:
    """Emulator hooks and template readers are not in the asset, and every fix imports
    without them (what Lambda would do with the staged folder on its path)."""
    import subprocess
    import sys

    import aws_cdk as cdk

    from guardrails import GuardrailSettings, GuardrailStack

    app = cdk.App(outdir=str(tmp_path / "cdk.out"))
    GuardrailStack(app, "Guardrails", settings=GuardrailSettings())
    app.synth()
    [asset] = [
        p for p in (tmp_path / "cdk.out").glob("asset.*") if (p / "guardrails_runtime").is_dir()
    ]
    with zipfile.ZipFile(asset / "guardrails_runtime.zip") as archive:
        files = set(archive.namelist())
    assert "guardrails_runtime/adapters/ec2_security_group.py" in files
    assert not [f for f in files if f.endswith("emulate.py") or "/templates/" in f]
    code = (
        "import importlib, sys, guardrails_runtime\n"
        f"assert guardrails_runtime.__file__.startswith({str(asset)!r})\n"
        "from guardrails_runtime.remediations import all_remediations\n"
        "print(len(all_remediations()))\n"
        "assert not [m for m in sys.modules if 'templates' in m or m.startswith('guardrails.')]\n"
    )
    result = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(asset)!r})\n{code}"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    from guardrails_runtime.spec import specs

    assert int(result.stdout) == len([s for s in specs() if s.fix])


def test_an_event_two_policies_judge_is_routed_once(template: dict[str, Any]) -> None:
    """AuthorizeSecurityGroupIngress (owned by sg-open-ingress, shared by
    default-sg-closed) is in one rule only, the owner's; the Lambda learns which policies
    are deployed so that it hands the event to both."""
    carrying = [
        r["Properties"]["Name"]
        for r in lambda_rules(template)
        if "AuthorizeSecurityGroupIngress"
        in r["Properties"]["EventPattern"].get("detail", {}).get("eventName", [])
    ]
    assert carrying == ["guardrails-sg-open-ingress-api"]
    env = one(template, "AWS::Lambda::Function")["Environment"]["Variables"]
    assert env["GUARDRAILS_POLICIES"].split(",") == sorted(POLICIES)


def test_a_sharing_policy_alone_routes_the_shared_event() -> None:
    import aws_cdk as cdk
    from aws_cdk.assertions import Template

    from guardrails import DefaultSgClosedGuardrail

    stack = cdk.Stack(cdk.App(), "App")
    DefaultSgClosedGuardrail(stack, "Closed")
    template = Template.from_stack(stack).to_json()
    [pattern] = [
        r["Properties"]["EventPattern"]
        for r in lambda_rules(template)
        if "detail" in r["Properties"]["EventPattern"]
        and "eventName" in r["Properties"]["EventPattern"]["detail"]
    ]
    assert sorted(pattern["detail"]["eventName"]) == [
        "AuthorizeSecurityGroupEgress",
        "AuthorizeSecurityGroupIngress",
    ]
    env = one(template, "AWS::Lambda::Function")["Environment"]["Variables"]
    assert env["GUARDRAILS_POLICIES"] == "default-sg-closed"
