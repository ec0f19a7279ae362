"""The Lambda asset depends on boto3 and the standard library only, never on aws_cdk."""

from __future__ import annotations

import ast
import subprocess
import sys

from conftest import ROOT

RUNTIME = ROOT / "lambda_src" / "guardrails_runtime"
ALLOWED_THIRD_PARTY = {"boto3", "botocore"}


def test_runtime_imports_only_stdlib_boto3_and_itself() -> None:
    offenders = []
    for path in RUNTIME.rglob("*.py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top in ("__future__", "guardrails_runtime") or top in ALLOWED_THIRD_PARTY:
                    continue
                if top not in sys.stdlib_module_names:
                    offenders.append(f"{path.relative_to(ROOT)}: {name}")
    assert offenders == []


def test_handler_imports_with_cdk_blocked() -> None:
    """Import the handler in a fresh interpreter where aws_cdk and jsii cannot load."""
    code = (
        "import sys\n"
        "BLOCKED = ('aws_cdk', 'jsii', 'constructs', 'cdk_nag', 'guardrails')\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in BLOCKED:\n"
        "            raise ImportError('blocked: ' + name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "import guardrails_runtime.handler\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('aws_cdk', 'jsii')))\n"
    )
    assert in_lambda_src(code) == "[]"


def test_remediation_index_matches_the_classes() -> None:
    """The lazy index names exactly the events and policies each remediation declares."""
    from guardrails_runtime.remediations import all_remediations, index

    remediations = all_remediations()
    assert {e.policy for e in index()} == {r.policy for r in remediations}
    for remediation in remediations:
        entries = [e for e in index() if e.policy == remediation.policy]
        # One entry per trigger (a policy may watch several services).
        assert [e.event_source for e in entries] == [
            t.event_source for t in remediation.spec.triggers
        ]
        names = {n for e in entries for n in e.event_names}
        assert names == set(remediation.event_names) | set(remediation.ignored_events)


def test_handler_imports_only_what_an_event_needs() -> None:
    code = (
        "import sys, guardrails_runtime.handler as h\n"
        "prefix = 'guardrails_runtime.remediations.'\n"
        "print(sorted(m for m in sys.modules if m.startswith(prefix)))\n"
    )
    assert in_lambda_src(code) == "['guardrails_runtime.remediations.base']"


def test_a_plain_handler_import_leaves_the_declarations_and_specs_for_the_first_event() -> None:
    """Lambda compiles the asset's sources on every cold start (no byte-code cache): the
    option declarations and the policy specs load on the first event, not at import."""
    code = (
        "import sys, guardrails_runtime.handler as h\n"
        "print(sorted(m for m in sys.modules if m.endswith(('.options', '.spec'))))\n"
    )
    assert in_lambda_src(code) == "['guardrails_runtime.spec']"


def test_ledger_and_metrics_load_only_when_configured() -> None:
    code = (
        "import sys, guardrails_runtime.handler as h\n"
        "print(sorted(m for m in ('guardrails_runtime.ledger', 'guardrails_runtime.metrics')"
        " if m in sys.modules))\n"
    )
    assert in_lambda_src(code) == "[]"


def in_lambda_src(code: str) -> str:
    """Run ``code`` in a fresh interpreter from the asset root; its stripped stdout."""
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT / "lambda_src",
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()
