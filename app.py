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
    org = settings.organization
    if org is None:
        GuardrailStack(app, settings.stack_name, settings=settings)
    else:  # hub mode (docs/organization.md)
        from guardrails.organization import GuardrailHubStack, GuardrailMemberStack, MemberRollout

        rollout = (
            MemberRollout(
                org.organizational_units, org.regions, org.role_region or None, call_as=org.call_as
            )
            if org.organizational_units
            else None
        )
        GuardrailHubStack(
            app,
            settings.stack_name,
            settings=settings,
            organization_id=org.id,
            organizational_units=org.bus_paths,
            rollout=rollout,
            env=cdk.Environment(account=org.hub_account, region=org.hub_region),
        )
        # For the accounts a StackSet does not reach (the management account): cdk deploy it
        # there, once per region (-c or --parameters CreateMemberRole=false after the first).
        GuardrailMemberStack(
            app,
            f"{settings.stack_name}Member",
            settings=settings,
            hub_account=org.hub_account,
            hub_region=org.hub_region,
            organization_id=org.id,
        )
    # The guardrail stack holds itself to its own catalog.
    cdk.Validations.of(app).add_plugins(GuardrailChecks(app, settings=settings))
    app.synth()


if __name__ == "__main__":
    main()
