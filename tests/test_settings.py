"""Runtime settings (environment) and CDK settings (context): values, defaults, errors."""

from __future__ import annotations

import json
import re

import pytest
from conftest import ROOT

from guardrails.settings import CONTEXT_KEYS, ContextError, GuardrailSettings
from guardrails_runtime.model import Mode
from guardrails_runtime.settings import RuntimeSettings, SettingsError


def test_runtime_defaults() -> None:
    s = RuntimeSettings.from_env({})
    assert s.mode is Mode.NOTIFY  # dry-run first
    assert s.allowed_public_ports == {80, 443}
    assert (s.exemption_tag_key, s.exemption_tag_value) == ("SecurityExemption", "true")
    assert s.topic_arn is None and s.config_rules == {}


def test_runtime_from_env() -> None:
    s = RuntimeSettings.from_env(
        {
            "GUARDRAILS_MODE": "Remediate",
            "GUARDRAILS_POLICY_MODES": '{"sg-open-ingress": "notify"}',
            "GUARDRAILS_ALLOWED_PUBLIC_PORTS": "443, 8443",
            "GUARDRAILS_CONFIG_RULES": '{"r": "sg-open-ingress"}',
            "GUARDRAILS_TOPIC_ARN": "arn:aws:sns:eu-west-1:123456789012:t",
        }
    )
    assert s.mode is Mode.REMEDIATE and s.mode_for("sg-open-ingress") is Mode.NOTIFY
    assert s.allowed_public_ports == {443, 8443}
    assert s.config_rules == {"r": "sg-open-ingress"}


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"GUARDRAILS_MODE": "fix"},
            "GUARDRAILS_MODE: mode must be one of remediate, notify, off, got 'fix'",
        ),
        ({"GUARDRAILS_POLICY_MODES": "{"}, "GUARDRAILS_POLICY_MODES: not valid JSON"),
        (
            {"GUARDRAILS_POLICY_MODES": "[]"},
            "GUARDRAILS_POLICY_MODES: expected a JSON object, got list",
        ),
        ({"GUARDRAILS_ALLOWED_PUBLIC_PORTS": "70000"}, "'70000' is not a port number"),
        (
            {"GUARDRAILS_CONFIG_RULES": "3"},
            "GUARDRAILS_CONFIG_RULES: expected a JSON object, got int",
        ),
        (
            {"GUARDRAILS_FLAP_THRESHOLD": "0"},
            "GUARDRAILS_FLAP_THRESHOLD: expected a whole number >= 1, got '0'",
        ),
        (
            {"GUARDRAILS_LEDGER_TTL_DAYS": "a year"},
            "GUARDRAILS_LEDGER_TTL_DAYS: expected a whole number >= 1, got 'a year'",
        ),
    ],
)
def test_runtime_errors_name_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=re.escape(message)):
        RuntimeSettings.from_env(env)


@pytest.mark.parametrize(
    ("tags", "exempt"),
    [
        ([{"Key": "SecurityExemption", "Value": "true"}], True),
        ([{"Key": "SECURITYEXEMPTION", "Value": " True "}], True),
        ({"SecurityExemption": "TRUE"}, True),
        ([{"Key": "SecurityExemption", "Value": "false"}], False),
        ([{"Key": "Exemption", "Value": "true"}], False),
        ([], False),
        (None, False),
        ("SecurityExemption=true", False),
    ],
)
def test_exemption_tag(tags: object, exempt: bool) -> None:
    assert RuntimeSettings().is_exempt(tags) is exempt


def test_context_defaults_match_cdk_json() -> None:
    context = json.loads((ROOT / "cdk.json").read_text())["context"]
    assert set(context) == {f"guardrails:{k}" for k in CONTEXT_KEYS}
    for key, (default, _) in CONTEXT_KEYS.items():
        assert context[f"guardrails:{key}"] == default, key
    assert GuardrailSettings.from_context(context) == GuardrailSettings()


def test_context_values_as_cli_strings() -> None:
    s = GuardrailSettings.from_context(
        {
            "guardrails:mode": "remediate",
            "guardrails:policyModes": '{"sg-open-ingress": "notify"}',
            "guardrails:allowedPublicPorts": "443",
            "guardrails:notificationEmails": "a@example.com,b@example.com",
            "guardrails:configRules": "false",
            "guardrails:reservedConcurrency": "0",
            "guardrails:logRetentionDays": "30",
        }
    )
    assert s.mode is Mode.REMEDIATE and s.mode_for("sg-open-ingress") is Mode.NOTIFY
    assert s.allowed_public_ports == {443}
    assert s.notification_emails == ("a@example.com", "b@example.com")
    assert (s.config_rules, s.reserved_concurrency, s.log_retention_days) == (False, 0, 30)
    assert s.config_rule_policies() == {}


def test_operations_context_from_cli_strings() -> None:
    s = GuardrailSettings.from_context(
        {
            "guardrails:chatbotSlack": '{"workspaceId": "T07AB12CD", "channelId": "C07XY34ZW"}',
            "guardrails:notificationHttpsUrls": "https://events.pagerduty.example/x",
            "guardrails:flapThreshold": "5",
            "guardrails:dashboard": "true",
        }
    )
    assert s.chatbot_slack == ("T07AB12CD", "C07XY34ZW")
    assert s.notification_https_urls == ("https://events.pagerduty.example/x",)
    assert (s.flap_threshold, s.dashboard, s.alarms, s.self_protection) == (5, True, True, True)


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ({"guardrails:mdoe": "remediate"}, "unknown context key 'guardrails:mdoe'"),
        ({"guardrails:mode": "fix"}, "guardrails:mode: mode must be one of"),
        ({"guardrails:policies": ["sg-open-ingres"]}, "unknown policy 'sg-open-ingres'"),
        ({"guardrails:policyModes": {"s3-everything": "off"}}, "unknown policy 's3-everything'"),
        (
            {"guardrails:logRetentionDays": 42},
            "guardrails:logRetentionDays: 42 is not a CloudWatch",
        ),
        ({"guardrails:timeoutSeconds": 5}, "guardrails:timeoutSeconds: 5 is not in 10..900"),
        ({"guardrails:reservedConcurrency": -1}, "guardrails:reservedConcurrency: -1 < 0"),
        ({"guardrails:configRules": "yes"}, "guardrails:configRules: expected true or false"),
        (
            {"guardrails:notificationEmails": ["not-an-address"]},
            "'not-an-address' is not an e-mail",
        ),
        ({"guardrails:resourcePrefix": "9lives"}, "guardrails:resourcePrefix: '9lives' must be"),
        ({"guardrails:allowedPublicPorts": [80, "http"]}, "'http' is not a port number"),
        ({"guardrails:stackName": ""}, "guardrails:stackName: expected non-empty text"),
        ({"guardrails:ledgerTtlDays": 0}, "guardrails:ledgerTtlDays: 0 is not in 1..3650"),
        ({"guardrails:flapThreshold": 0}, "guardrails:flapThreshold: 0 must be at least 1"),
        (
            {"guardrails:flapCooldownMinutes": "soon"},
            "guardrails:flapCooldownMinutes: expected a whole number, got 'soon'",
        ),
        (
            {"guardrails:notificationHttpsUrls": ["http://hooks.example.com/x"]},
            "guardrails:notificationHttpsUrls: 'http://hooks.example.com/x' is not an https://",
        ),
        (
            {"guardrails:chatbotSlack": {"workspaceId": "T07AB12CD"}},
            "guardrails:chatbotSlack.channelId: '' is not a Slack id",
        ),
        (
            {"guardrails:chatbotSlack": {"workspace": "T07AB12CD"}},
            "guardrails:chatbotSlack: unknown field 'workspace'",
        ),
        ({"guardrails:metricsNamespace": "a" * 300}, "guardrails:metricsNamespace: 'aaa"),
        ({"guardrails:dashboard": "maybe"}, "guardrails:dashboard: expected true or false"),
    ],
)
def test_context_errors_name_key_and_value(context: dict[str, object], message: str) -> None:
    with pytest.raises(ContextError, match=re.escape(message)):
        GuardrailSettings.from_context(context)


def test_runtime_environment_round_trips() -> None:
    cdk_side = GuardrailSettings(
        mode=Mode.REMEDIATE,
        allowed_public_ports=frozenset({443}),
        policy_modes={"sg-open-ingress": Mode.NOTIFY},
        exemption_tag_key="Skip",
        exemption_tag_value="yes",
    )
    runtime = RuntimeSettings.from_env(cdk_side.runtime_environment())
    assert runtime.mode is Mode.REMEDIATE and runtime.mode_for("sg-open-ingress") is Mode.NOTIFY
    assert runtime.allowed_public_ports == {443}
    assert (runtime.exemption_tag_key, runtime.exemption_tag_value) == ("Skip", "yes")
    assert runtime.config_rules == {
        "guardrails-sg-open-ingress": "sg-open-ingress",
        "guardrails-sg-open-ingress-ssh": "sg-open-ingress",
        "guardrails-ebs-encryption-by-default": "ebs-encryption",
        "guardrails-s3-encryption": "s3-encryption",
        "guardrails-s3-public-access": "s3-public-access",
    }


def test_every_context_key_is_documented_in_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    for key in CONTEXT_KEYS:
        assert f"`guardrails:{key}`" in readme, key
