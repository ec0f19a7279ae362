"""The README's construct example is real code: extract it, run it, inspect what it built."""

from __future__ import annotations

import json
import re

import pytest
from conftest import ROOT

pytestmark = pytest.mark.synth


def readme_example(marker: str) -> str:
    text = (ROOT / "README.md").read_text()
    match = re.search(rf"<!-- example: {marker} -->\s*```python\n(.*?)```", text, re.DOTALL)
    assert match, f"README has no example {marker!r}"
    return match.group(1)


def test_application_stack_example_synthesizes() -> None:
    namespace: dict[str, object] = {"__name__": "readme_example"}
    exec(compile(readme_example("application-stack"), "README.md", "exec"), namespace)
    app = namespace["app"]
    template = app.synth().get_stack_by_name("Payments").template  # type: ignore[attr-defined]
    kinds = [r["Type"] for r in template["Resources"].values()]
    assert "AWS::Config::ConfigRule" not in kinds
    assert kinds.count("AWS::Lambda::Function") == 1 and kinds.count("AWS::DynamoDB::Table") == 1
    rules = [
        r["Properties"] for r in template["Resources"].values() if r["Type"] == "AWS::Events::Rule"
    ]
    assert sorted(r["Name"] for r in rules) == [
        "guardrails-heartbeat",
        "guardrails-self-protection",
        "guardrails-self-protection-cfn",
        "guardrails-self-protection-delivery",
        "guardrails-self-protection-delivery-cfn",
        "guardrails-sg-open-ingress-api",
    ]
    [fn] = [r for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::Function"]
    env = fn["Properties"]["Environment"]["Variables"]
    assert (env["GUARDRAILS_MODE"], env["GUARDRAILS_ALLOWED_PUBLIC_PORTS"]) == ("remediate", "443")
    assert json.loads(env["GUARDRAILS_CONFIG_RULES"]) == {}
    [sub] = [r for r in template["Resources"].values() if r["Type"] == "AWS::SNS::Subscription"]
    assert sub["Properties"]["Endpoint"] == "payments-oncall@example.com"


def test_guardrail_checks_example_passes_with_its_acknowledgement() -> None:
    code = readme_example("guardrail-checks")
    namespace: dict[str, object] = {"__name__": "readme_example"}
    exec(compile(code, "README.md", "exec"), namespace)  # synth succeeds: 8443 acknowledged
    # Without the acknowledgement the same example fails synthesis on GR-SG1.
    unacknowledged = code.replace("cdk.Validations.of(group).acknowledge(", "(").replace(
        'cdk.Acknowledgment(id="Guardrails::GR-SG1"', 'dict(id="GR-SG1"'
    )
    with pytest.raises(RuntimeError, match="Guardrails::GR-SG1"):
        exec(compile(unacknowledged, "README.md", "exec"), {"__name__": "readme_example"})
