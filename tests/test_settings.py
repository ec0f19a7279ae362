"""Runtime settings (environment) and CDK settings (context): values, defaults, errors."""

from __future__ import annotations

import json
import re

import pytest
from conftest import ROOT

from guardrails.settings import CONTEXT_KEYS, ContextError, GuardrailSettings, SlackChannel
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
            "GUARDRAILS_MODE (mode): 'fix' is not one of remediate, notify, off",
        ),
        ({"GUARDRAILS_POLICY_MODES": "{"}, "GUARDRAILS_POLICY_MODES (policy_modes): '{' is not"),
        (
            {"GUARDRAILS_POLICY_MODES": "[]"},
            "GUARDRAILS_POLICY_MODES (policy_modes): [] is not a mapping",
        ),
        (
            {"GUARDRAILS_ALLOWED_PUBLIC_PORTS": "70000"},
            "GUARDRAILS_ALLOWED_PUBLIC_PORTS (allowed_public_ports): 70000 is not a port number",
        ),
        (
            {"GUARDRAILS_CONFIG_RULES": "3"},
            "GUARDRAILS_CONFIG_RULES: expected a JSON object, got int",
        ),
        (
            {"GUARDRAILS_FLAP_THRESHOLD": "0"},
            "GUARDRAILS_FLAP_THRESHOLD (flap_threshold): 0 is below the minimum of 1",
        ),
        (
            {"GUARDRAILS_LEDGER_TTL_DAYS": "a year"},
            "GUARDRAILS_LEDGER_TTL_DAYS (ledger_ttl_days): 'a year' is not a whole number",
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
        ({"guardrails:mode": "fix"}, "guardrails:mode (mode): 'fix' is not one of remediate"),
        (
            {"guardrails:policies": ["sg-open-ingres"]},
            "guardrails:policies (policies): 'sg-open-ingres' is not a policy; known: ",
        ),
        (
            {"guardrails:policies": ["sg-open-ingress", "sg-open-ingress"]},
            "guardrails:policies (policies): 'sg-open-ingress' is listed twice",
        ),
        (
            {"guardrails:policyModes": {"s3-everything": "off"}},
            "guardrails:policyModes (policy_modes): 's3-everything' is not a policy",
        ),
        (
            {"guardrails:policyModes": {"s3-encryption": "of"}},
            "guardrails:policyModes['s3-encryption'] (policy_modes): 'of' is not one of",
        ),
        (
            {"guardrails:logRetentionDays": 42},
            "guardrails:logRetentionDays (log_retention_days): 42 is not a CloudWatch retention",
        ),
        (
            {"guardrails:timeoutSeconds": 5},
            "guardrails:timeoutSeconds (timeout_seconds): 5 is not in 10..900",
        ),
        (
            {"guardrails:reservedConcurrency": -1},
            "guardrails:reservedConcurrency (reserved_concurrency): -1 is below the minimum of 0",
        ),
        (
            {"guardrails:configRules": "yes"},
            "guardrails:configRules (config_rules): 'yes' is not a boolean",
        ),
        (
            {"guardrails:notificationEmails": ["not-an-address"]},
            "guardrails:notificationEmails (notification_emails): 'not-an-address' is not an "
            "e-mail address",
        ),
        (
            {"guardrails:notificationEmails": "['a@b.c']"},
            "\"['a@b.c']\" is not an e-mail address",
        ),
        (
            {"guardrails:resourcePrefix": "9lives"},
            "guardrails:resourcePrefix (resource_prefix): '9lives' is not allowed: letters",
        ),
        (
            {"guardrails:allowedPublicPorts": [80, "http"]},
            "guardrails:allowedPublicPorts (allowed_public_ports): 'http' is not a port number",
        ),
        ({"guardrails:allowedPublicPorts": "80,65536"}, "65536 is not a port number (a whole"),
        ({"guardrails:stackName": ""}, "guardrails:stackName (stack_name): '' is empty"),
        ({"guardrails:stackName": "my_stack"}, "'my_stack' is not allowed: a CloudFormation"),
        ({"guardrails:exemptionTagKey": " "}, "guardrails:exemptionTagKey (exemption_tag_key)"),
        (
            {"guardrails:ledgerTtlDays": 0},
            "guardrails:ledgerTtlDays (ledger_ttl_days): 0 is not in 1..3650",
        ),
        (
            {"guardrails:flapThreshold": 0},
            "guardrails:flapThreshold (flap_threshold): 0 is below the minimum of 1",
        ),
        (
            {"guardrails:flapCooldownMinutes": "soon"},
            "guardrails:flapCooldownMinutes (flap_cooldown_minutes): 'soon' is not a whole number",
        ),
        (
            {"guardrails:notificationHttpsUrls": ["http://hooks.example.com/x"]},
            "'http://hooks.example.com/x' is not an https:// URL",
        ),
        (
            {"guardrails:chatbotSlack": {"workspaceId": "T07AB12CD"}},
            "guardrails:chatbotSlack.channelId (chatbot_slack): '' is not a Slack channel id",
        ),
        (
            {"guardrails:chatbotSlack": {"workspaceId": "C07XY34ZW", "channelId": "T07AB12CD"}},
            "guardrails:chatbotSlack.workspaceId (chatbot_slack): 'C07XY34ZW' is not a Slack "
            "workspace id",
        ),
        (
            {"guardrails:chatbotSlack": {"workspace": "T07AB12CD"}},
            "guardrails:chatbotSlack.workspace (chatbot_slack): 'T07AB12CD' is an unknown field",
        ),
        (
            {"guardrails:metricsNamespace": "a" * 300},
            "guardrails:metricsNamespace (metrics_namespace): 'aaa",
        ),
        (
            {"guardrails:dashboard": "maybe"},
            "guardrails:dashboard (dashboard): 'maybe' is not a boolean",
        ),
        (
            {"guardrails:exemptAccounts": "12345"},
            "guardrails:exemptAccounts (exempt_accounts): '12345' is not a 12-digit account id",
        ),
    ],
)
def test_context_errors_name_key_and_value(context: dict[str, object], message: str) -> None:
    with pytest.raises(ContextError, match=re.escape(message)):
        GuardrailSettings.from_context(context)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"mode": "remediat"}, "guardrails:mode (mode): 'remediat' is not one of remediate, "),
        ({"mode": 1}, "guardrails:mode (mode): 1 is not a mode"),
        ({"policy_modes": {"s3-encryption": "fix"}}, "['s3-encryption'] (policy_modes): 'fix'"),
        ({"policy_modes": "notify"}, "(policy_modes): 'notify' is not a mapping"),
        ({"allowed_public_ports": [70000]}, "(allowed_public_ports): 70000 is not a port"),
        ({"allowed_public_ports": [-1]}, "(allowed_public_ports): -1 is not a port"),
        ({"allowed_public_ports": ["22"]}, "(allowed_public_ports): '22' is not a port"),
        ({"allowed_public_ports": [22.0]}, "(allowed_public_ports): 22.0 is not a port"),
        ({"allowed_public_ports": [True]}, "(allowed_public_ports): True is not a port"),
        ({"allowed_public_ports": 443}, "(allowed_public_ports): 443 is not a list of port"),
        ({"allowed_public_ports": "80,443"}, "(allowed_public_ports): '80,443' is text; expected"),
        (
            {"chatbot_slack": ("T07AB12CD", "C07XY34ZW")},
            "guardrails:chatbotSlack (chatbot_slack): ('T07AB12CD', 'C07XY34ZW') is not a mapping",
        ),
        (
            {"chatbot_slack": {"workspaceId": "C07XY34ZW", "channelId": "T07AB12CD"}},
            "guardrails:chatbotSlack.workspaceId (chatbot_slack): 'C07XY34ZW' is not a Slack",
        ),
        ({"chatbot_slack": {"channelId": "C07XY34ZW"}}, "chatbotSlack.workspaceId (chatbot_slack)"),
        ({"config_rules": "false"}, "guardrails:configRules (config_rules): 'false' is not a bool"),
        ({"alarms": 0}, "guardrails:alarms (alarms): 0 is not a boolean"),
        ({"exemption_tag_key": ""}, "guardrails:exemptionTagKey (exemption_tag_key): '' is empty"),
        ({"exemption_tag_value": "  "}, "(exemption_tag_value): '  ' is empty"),
        ({"exemption_tag_key": None}, "(exemption_tag_key): None is not text"),
        (
            {"notification_emails": "['a@b.c']"},
            "guardrails:notificationEmails (notification_emails): \"['a@b.c']\" is text; "
            "expected a list of e-mail addresses",
        ),
        ({"notification_emails": ["['a@b.c']"]}, "\"['a@b.c']\" is not an e-mail address"),
        ({"notification_emails": ["a@b"]}, "'a@b' is not an e-mail address"),
        ({"exempt_accounts": "123456789012"}, "(exempt_accounts): '123456789012' is text"),
        ({"exempt_accounts": [123456789012]}, "(exempt_accounts): 123456789012 is not a 12-digit"),
        ({"policies": "sg-open-ingress"}, "(policies): 'sg-open-ingress' is text; expected a list"),
        ({"policies": ["sg-open-ingress", "rds"]}, "(policies): 'rds' is not a policy"),
        ({"policies": ["rds-public-acces"]}, "(policies): 'rds-public-acces' is not a policy"),
        ({"timeout_seconds": "60"}, "(timeout_seconds): '60' is not a whole number"),
        ({"timeout_seconds": 901}, "(timeout_seconds): 901 is not in 10..900"),
        ({"log_retention_days": 10}, "(log_retention_days): 10 is not a CloudWatch retention"),
        ({"notification_https_urls": "https://x.example"}, "(notification_https_urls): 'https"),
        ({"resource_prefix": "a" * 42}, "(resource_prefix): 'aaaa"),
    ],
)
def test_python_arguments_are_checked_like_context(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ContextError, match=re.escape(message)) as caught:
        GuardrailSettings(**kwargs)  # type: ignore[arg-type]
    assert "\n" not in str(caught.value)


def test_python_arguments_are_normalised() -> None:
    s = GuardrailSettings(
        mode="Remediate",  # type: ignore[arg-type]
        policy_modes={"sg-open-ingress": "notify"},  # type: ignore[dict-item]
        policies=["sg-open-ingress", "s3-encryption"],  # type: ignore[arg-type]
        allowed_public_ports=[443, 8443],  # type: ignore[arg-type]
        notification_emails=["ops@example.com"],  # type: ignore[arg-type]
        chatbot_slack={"workspaceId": "T07AB12CD", "channelId": "C07XY34ZW"},  # type: ignore[arg-type]
    )
    assert s.mode is Mode.REMEDIATE and s.mode_for("sg-open-ingress") is Mode.NOTIFY
    assert s.policies == ("sg-open-ingress", "s3-encryption")
    assert s.allowed_public_ports == frozenset({443, 8443})
    assert s.notification_emails == ("ops@example.com",)
    assert s.chatbot_slack == SlackChannel(workspace_id="T07AB12CD", channel_id="C07XY34ZW")
    assert s.chatbot_slack.workspace_id == "T07AB12CD"
    assert GuardrailSettings(chatbot_slack={}).chatbot_slack is None  # type: ignore[arg-type]
    # The same values through the context path give an equal object.
    assert s == GuardrailSettings.from_context(
        {
            "guardrails:mode": "remediate",
            "guardrails:policyModes": '{"sg-open-ingress": "notify"}',
            "guardrails:policies": "sg-open-ingress,s3-encryption",
            "guardrails:allowedPublicPorts": "443,8443",
            "guardrails:notificationEmails": "ops@example.com",
            "guardrails:chatbotSlack": {"workspaceId": "T07AB12CD", "channelId": "C07XY34ZW"},
        }
    )


def test_the_docstring_documents_every_parameter_and_its_context_key() -> None:
    import pydoc

    from guardrails.settings import OPTIONS

    text = pydoc.render_doc(GuardrailSettings, renderer=pydoc.plaintext)
    for option in OPTIONS:
        assert f"{option.field} : " in text, option.field
        assert f"``{option.context_key}``" in text, option.context_key
        if option.env:
            assert f"``{option.env}``" in text, option.env


def test_every_runtime_variable_named_in_the_options_is_written() -> None:
    from guardrails.settings import OPTIONS

    written = set(GuardrailSettings().runtime_environment())
    assert {o.env for o in OPTIONS if o.env} <= written


def test_the_runtime_checks_the_environment_with_the_same_declarations() -> None:
    """One declaration per setting: the Lambda refuses what the CDK side refuses."""
    for env, message in (
        ({"GUARDRAILS_REQUIRE_KMS": "yes"}, "GUARDRAILS_REQUIRE_KMS (require_kms): 'yes' is not"),
        ({"GUARDRAILS_EXEMPT_ACCOUNTS": "12345"}, "'12345' is not a 12-digit account id"),
        ({"GUARDRAILS_POLICY_MODES": '{"nope": "off"}'}, "'nope' is not a policy"),
        ({"GUARDRAILS_METRICS_NAMESPACE": "a" * 300}, "(metrics_namespace): 'aaa"),
    ):
        with pytest.raises(SettingsError, match=re.escape(message)):
            RuntimeSettings.from_env(env)
    # Empty text counts as not set (the runtime default), as the stack never writes it.
    s = RuntimeSettings.from_env({"GUARDRAILS_METRICS_NAMESPACE": "", "GUARDRAILS_S3_KMS_KEY": ""})
    assert s.metrics_namespace is None and s.s3_kms_key is None


def test_settings_fields_default_to_their_declared_defaults() -> None:
    from guardrails.settings import OPTIONS

    defaults = GuardrailSettings()
    for option in OPTIONS:
        expected = option.check(option.default, option.label())
        assert getattr(defaults, option.field) == expected, option.field
    assert set(GuardrailSettings.__dataclass_fields__) == {o.field for o in OPTIONS}


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
    }


def test_every_context_key_is_documented_in_the_configuration_reference() -> None:
    readme = (ROOT / "docs" / "configuration.md").read_text()
    for key in CONTEXT_KEYS:
        assert f"`guardrails:{key}`" in readme, key
