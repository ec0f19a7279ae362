"""The policy specs are the catalog: every table the planes use is derived from them.

These tests walk the specs (like Cloud Custodian's registry tests) so that a new policy
folder is held to the same contract as the others without anyone listing it anywhere.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import FIXTURES, ROOT

from guardrails.catalog import catalog
from guardrails.constructs import CONSTRUCTS
from guardrails.settings import POLICIES, GuardrailSettings
from guardrails_runtime.policies.registry import static_policies
from guardrails_runtime.remediations import all_remediations, by_event, by_policy, claimers
from guardrails_runtime.spec import PolicySpec, specs

POLICY_FOLDERS = sorted(
    p.name
    for p in (ROOT / "lambda_src" / "guardrails_runtime" / "policies").iterdir()
    if p.is_dir() and (p / "spec.py").exists()
)
ALL = specs()


def test_every_folder_is_a_policy_and_every_policy_a_folder() -> None:
    assert [s.module for s in ALL] == POLICY_FOLDERS
    assert tuple(s.id for s in ALL) == POLICIES
    assert len(ALL) >= 6


@pytest.mark.parametrize("spec", ALL, ids=lambda s: s.id)
def test_spec_is_complete(spec: PolicySpec) -> None:
    assert spec.title and spec.summary and spec.construct_doc
    assert spec.rules and all(rule.policy == spec.id for rule in spec.rules)
    assert {r.level for r in spec.rules} <= {"error", "warning"}
    prefix = spec.rules[0].id.rsplit("-", 1)[0] + "-"
    assert all(r.id.startswith(prefix) for r in spec.rules)
    for option in spec.options:
        assert option in GuardrailSettings.__dataclass_fields__, option
    if spec.kinds:
        assert spec.cloudformation_types or spec.terraform_types
        assert (ROOT / "guardrails" / "rego" / f"{spec.module}.rego").exists()
    for rule in spec.config_rules:
        assert rule.identifier.isupper() and rule.suffix.startswith(spec.id.split("-")[0])


@pytest.mark.parametrize("spec", [s for s in ALL if s.fix], ids=lambda s: s.id)
def test_every_fix_declares_iam_undo_and_a_construct(spec: PolicySpec) -> None:
    assert spec.fix is not None
    remediation = by_policy(spec.id)
    assert remediation is not None and remediation.policy == spec.id
    assert remediation.iam and all(grant.actions and grant.why for grant in remediation.iam)
    assert spec.fix.undo, "every fix says which calls undo it"
    for trigger in spec.triggers:
        for name in trigger.event_names:
            found = claimers(trigger.event_source, name)
            assert remediation in found
            # The owner is first (by_event); a policy sharing the event comes after it.
            assert (by_event(trigger.event_source, name) is remediation) is not trigger.shared
    assert CONSTRUCTS[spec.id].__name__ == spec.construct
    assert CONSTRUCTS[spec.id].remediation is remediation


def test_every_event_has_exactly_one_owner() -> None:
    """Two policies may judge one event only when every one but its owner says it shares it
    (``Trigger.shared``): the owner prepares it in the emulator and keeps the plain ledger
    key; an event nobody owns would be routed by chance."""
    owners: dict[tuple[str, str], list[str]] = {}
    sharers: dict[tuple[str, str], list[str]] = {}
    for spec in ALL:
        for trigger in spec.triggers:
            for name in (*trigger.event_names, *trigger.ignored):
                key = (trigger.event_source, name)
                (sharers if trigger.shared else owners).setdefault(key, []).append(spec.id)
    assert all(len(found) == 1 for found in owners.values()), owners
    assert set(sharers) <= set(owners), set(sharers) - set(owners)


def test_rule_ids_are_unique_and_the_catalog_is_the_specs() -> None:
    ids = [rule.id for spec in ALL for rule in spec.rules]
    assert len(ids) == len(set(ids))
    assert [entry["id"] for entry in catalog()] == ids
    assert [p.POLICY for p in static_policies()] == [s.id for s in ALL if s.kinds]
    assert [r.policy for r in all_remediations()] == [s.id for s in ALL if s.fix]


def test_config_rule_names_are_unique_and_prefixed() -> None:
    settings = GuardrailSettings(allowed_public_ports=[443])
    names = [c.name for p in settings.policies for c in settings.config_rule_specs(p)]
    assert len(names) == len(set(names))
    assert all(name.startswith("guardrails-") for name in names)


def _source_hash(folder: Path) -> str:
    """The hash generate.py records (one definition: the generator's)."""
    import importlib.util

    location = FIXTURES / "tf" / "generate.py"
    loaded = importlib.util.spec_from_file_location("tf_generate", location)
    assert loaded is not None and loaded.loader is not None
    module = importlib.util.module_from_spec(loaded)
    loaded.loader.exec_module(module)
    digest: str = module.source_hash(folder)
    return digest


@pytest.mark.parametrize(
    "source",
    sorted(p for p in (FIXTURES / "tf" / "src").iterdir() if p.is_dir()),
    ids=lambda p: p.name,
)
def test_terraform_plans_are_regenerated_when_their_source_changes(source: Path) -> None:
    plan = json.loads((FIXTURES / "tf" / f"{source.name}.plan.json").read_text())
    assert plan["guardrails_source_sha256"] == _source_hash(source), (
        f"regenerate: python tests/fixtures/tf/generate.py {source.name}"
    )


# Plans terraform cannot write here, and why; every other plan fixture is planned from
# tests/fixtures/tf/src/<name>/ (docs/testing.md).
HAND_WRITTEN_PLANS = {
    "old-format": "format_version 0.1 (terraform 0.12)",
    "mixed-modules": "format_version 1.0",
    "deletes-and-data": "a data source among the resource changes",
    "sg-malformed": "CIDRs the provider refuses",
    "sg-protocols": "protocol numbers (the provider writes names) and odd CIDR spellings",
    "sg-ports": "string ports and inverted ranges",
    "s3-public-access-block": "string flags",
    "s3-policies": "policies the provider would normalise or refuse",
    "s3-malformed": "an empty rule list, a null or invalid algorithm",
}


def test_every_plan_fixture_is_real_or_says_why_not() -> None:
    tf = FIXTURES / "tf"
    planned = {p.name for p in (tf / "src").iterdir() if p.is_dir()}
    fixtures = {p.name.removesuffix(".plan.json") for p in tf.glob("*.plan.json")}
    assert fixtures - planned == set(HAND_WRITTEN_PLANS)
    assert planned <= fixtures
    for name in HAND_WRITTEN_PLANS:  # a hand-written plan carries no source hash
        assert "guardrails_source_sha256" not in json.loads((tf / f"{name}.plan.json").read_text())


@pytest.mark.usefixtures("aws")
@pytest.mark.parametrize(
    ("example", "rule"),
    [
        ("authorize-ssh-world.json", "GR-SG1"),
        ("put-bucket-acl-public-read.json", "GR-S3P2"),
        ("delete-bucket-encryption.json", "GR-S3E1"),
        ("stop-logging.json", "GR-CT1"),
        ("disable-ebs-encryption-by-default.json", "GR-EBS1"),
        ("modify-db-instance-public.json", "GR-RDS1"),
        ("delete-bucket-policy.json", "GR-S3T1"),
        ("authorize-default-group-egress.json", "GR-DSG1"),
        ("stop-config-recorder.json", "GR-CFG1"),
        ("set-topic-policy-public.json", "GR-SNS1"),
        ("add-permission-public.json", "GR-LMB1"),
        ("disable-guardduty.json", "GR-GD1"),
        ("run-instances-imdsv1.json", "GR-IMDS1"),
        ("modify-redshift-public.json", "GR-RS1"),
        ("share-document-public.json", "GR-SSM1"),
        ("share-db-snapshot-public.json", "GR-RDSS1"),
        ("share-snapshot-public.json", "GR-EBSP1"),
        ("schedule-key-deletion.json", "GR-KMS1"),
        ("authorize-https-world.json", None),  # compliant: no rule
    ],
)
def test_runtime_decisions_carry_the_catalog_rule(example: str, rule: str | None) -> None:
    """Notifications, ledger entries and findings speak the same rule ids."""
    from conftest import load_event

    from guardrails import emulator
    from guardrails_runtime.aws import Clients
    from guardrails_runtime.handler import process
    from guardrails_runtime.settings import RuntimeSettings

    event = load_event(example)
    clients = Clients()
    prepared = emulator.prepare(event, clients)
    outcome = process(prepared, RuntimeSettings(), clients)
    assert outcome.rule == rule, outcome.reason
    assert outcome.as_dict()["rule"] == rule


@pytest.mark.parametrize("spec", ALL, ids=lambda s: s.id)
def test_tests_mirror_the_catalog(spec: PolicySpec) -> None:
    """Each policy has its own test folder, with a react suite where it has a fix."""
    folder = ROOT / "tests" / "policies" / spec.module
    assert folder.is_dir(), f"tests/policies/{spec.module}/ is missing"
    if spec.fix is not None:
        assert (folder / f"test_{spec.module}_react.py").exists()
    if spec.kinds:
        assert (folder / f"test_{spec.module}_prevent.py").exists()


@pytest.mark.parametrize("spec", [s for s in ALL if s.fix], ids=lambda s: s.id)
def test_every_fix_has_an_emulator_hook(spec: PolicySpec) -> None:
    """``replay --emulate`` finds each policy's hook in its folder; the emulator itself
    names no policy, event or resource type."""
    import importlib

    hook = importlib.import_module(f"guardrails_runtime.policies.{spec.module}.emulate")
    assert callable(hook.prepare) and callable(hook.after)
    emulator_text = (ROOT / "guardrails" / "emulator.py").read_text()
    assert spec.id not in emulator_text
    for trigger in spec.triggers:
        for name in trigger.event_names:
            assert name not in emulator_text, name


def test_emulated_config_events_follow_the_configured_route() -> None:
    """A Config evaluation goes to the hook of the policy its rule is routed to."""
    from conftest import load_event

    from guardrails import emulator
    from guardrails_runtime.aws import Clients

    bucket, rule = "emulated-config-bucket", "guardrails-s3-bucket-level-public-access"
    text = json.dumps(load_event("config-sg-noncompliant.json"))
    for old, new in (
        ("sg-0a1b2c3d4e5f60006", bucket),
        ("AWS::EC2::SecurityGroup", "AWS::S3::Bucket"),
        ("guardrails-sg-open-ingress", rule),
        ("eu-west-1", "us-east-1"),
    ):
        text = text.replace(old, new)
    event = json.loads(text)
    with emulator.emulated_aws():
        clients = Clients()
        s3 = clients.get("s3", "us-east-1")
        emulator.prepare(event, clients, {rule: "s3-public-access"})
        assert emulator.after("s3-public-access", bucket, "us-east-1", clients)["Bucket"] == bucket
        s3.put_bucket_encryption(
            Bucket=bucket,
            ServerSideEncryptionConfiguration={
                "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
            },
        )
        # Routed to s3-encryption instead, the hook leaves the bucket without encryption.
        emulator.prepare(event, clients, {rule: "s3-encryption"})
        state = emulator.after("s3-encryption", bucket, "us-east-1", clients)
        assert state["ServerSideEncryptionConfiguration"] is None


@pytest.mark.parametrize("spec", [s for s in ALL if s.fix], ids=lambda s: s.id)
def test_exemption_hints_name_the_resource_and_the_configured_tag(spec: PolicySpec) -> None:
    """A notification's "how to exempt" command, where the policy has one, tags the very
    resource with the configured key and value, every argument shell-quoted."""
    import shlex

    from guardrails_runtime.model import Decision, Outcome
    from guardrails_runtime.settings import RuntimeSettings

    remediation = by_policy(spec.id)
    assert remediation is not None
    outcome = Outcome("Call", spec.id, Decision.WOULD_REMEDIATE, "r", region="eu-west-1")
    outcome.resource, outcome.resource_arn = "res-1; rm -rf /", "arn:aws:x:eu-west-1:1:res-1"
    settings = RuntimeSettings(exemption_tag_key="Waiver", exemption_tag_value="approved")
    hint = remediation.exemption_hint(outcome, settings)
    if hint is None or not hint.startswith("aws "):
        return  # none, or advice in words (account-level settings, S3's whole tag set)
    args = shlex.split(hint)
    assert args[:1] == ["aws"] and args[3:5] == ["--region", "eu-west-1"]
    assert outcome.resource in args or outcome.resource_arn in args
    assert any("Waiver" in a and "approved" in a for a in args)
