#!/usr/bin/env bash
# The main job: set up, synthesize GuardrailStack with the real CDK CLI, then replay the
# bundled example events through the real handler against the in-memory AWS emulator.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
. scripts/env.sh

echo "== cdk synth (GuardrailStack, mode=remediate) =="
cdk synth --quiet --no-notices -c guardrails:mode=remediate
python - <<'PY'
import json
template = json.load(open("cdk.out/Guardrails.template.json"))
kinds = sorted(r["Type"] for r in template["Resources"].values())
print(f"cdk.out/Guardrails.template.json: {len(kinds)} resources")
for kind in sorted(set(kinds)):
    print(f"  {kinds.count(kind)} x {kind}")
PY

echo
echo "== guardrails replay --emulate --mode remediate --examples =="
guardrails replay --emulate --mode remediate --examples --format text
