#!/usr/bin/env python3
"""CDK app: the only place that reads context; everything else takes GuardrailSettings."""

from __future__ import annotations

import os
import sys

# jsii prints a Node end-of-life banner on every start; the CLI pins Node 20 on purpose.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

import aws_cdk as cdk

from guardrails import GuardrailChecks, GuardrailSettings, GuardrailStack
from guardrails.settings import ContextError


def main() -> None:
    app = cdk.App()
    try:
        settings = GuardrailSettings.from_context(app.node.get_all_context())
    except ContextError as exc:
        sys.exit(f"cdk.json / -c context: {exc}")
    GuardrailStack(app, settings.stack_name, settings=settings)
    # The guardrail stack holds itself to its own catalog.
    cdk.Validations.of(app).add_plugins(GuardrailChecks(app, settings=settings))
    app.synth()


if __name__ == "__main__":
    main()
