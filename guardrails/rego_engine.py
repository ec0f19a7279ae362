"""The Rego copies of the catalog: where they are, how to export them, how to run them.

The ``.rego`` files (Rego v1, over ``terraform show -json`` output) ship inside the
package under ``guardrails/rego/``. ``guardrails rego export DIR`` writes them out with a
``params.json`` data document holding the defaults, for ``opa eval`` and ``conftest``.
:func:`evaluate` runs them with the embedded engine from PyPI (``regopy``, optional) and
is what the equivalence tests and the benchmark use.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

from guardrails_runtime.policies.registry import static_policies

LIBRARY = "lib"


def _default_params() -> dict[str, Any]:
    """The static plane's knobs (``PolicyOptions``) and the exemption tag, with the defaults
    their settings declare (the same values ``cdk.json`` carries)."""
    from guardrails.settings import CONTEXT_KEYS, OPTIONS_BY_FIELD
    from guardrails_runtime.model import PolicyOptions

    names = [*PolicyOptions._fields, "exemption_tag_key", "exemption_tag_value"]
    return {name: CONTEXT_KEYS[OPTIONS_BY_FIELD[name].key][0] for name in sorted(names)}


DEFAULT_PARAMS: dict[str, Any] = _default_params()


def module_name(policy: str) -> str:
    """``sg-open-ingress`` -> ``sg_open_ingress`` (file stem and package suffix)."""
    return policy.replace("-", "_")


def sources() -> dict[str, str]:
    """File name -> Rego text, the library first, then one file per catalog policy."""
    folder = resources.files("guardrails").joinpath("rego")
    names = [LIBRARY] + [module_name(p.POLICY) for p in static_policies()]
    return {f"{name}.rego": folder.joinpath(f"{name}.rego").read_text() for name in names}


def params_document(params: dict[str, Any] | None = None) -> dict[str, Any]:
    """The data document the policies read their parameters from."""
    return {"guardrails": {"params": {**DEFAULT_PARAMS, **(params or {})}}}


def export(folder: Path) -> list[Path]:
    """Write the policies and ``params.json`` into ``folder`` (created if needed)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in sources().items():
        path = folder / name
        path.write_text(text)
        written.append(path)
    params = folder / "params.json"
    params.write_text(json.dumps(params_document(), indent=2) + "\n")
    written.append(params)
    return written


def evaluate(
    plan: dict[str, Any] | str, params: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """Every policy's ``finding`` set on ``plan``, each with its ``policy`` added.

    Needs ``regopy`` (``pip install 'cdk-guardrails[rego]'``).
    """
    from regopy import Interpreter

    rego = Interpreter()
    for name, text in sources().items():
        rego.add_module(name, text)
    rego.add_data_json(json.dumps(params_document(params)))
    rego.set_input_term(plan if isinstance(plan, str) else json.dumps(plan))
    findings: list[dict[str, Any]] = []
    for policy in static_policies():
        package = f"data.guardrails.{module_name(policy.POLICY)}"
        output = json.loads(str(rego.query(f"[f | some f in {package}.finding]")))
        for finding in output["expressions"][0]:
            findings.append({"policy": policy.POLICY, **finding})
    return findings
