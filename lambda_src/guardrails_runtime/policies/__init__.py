"""Pure policy logic over the canonical model: one module per policy, no AWS, no CDK.

The static-plane registry lives in :mod:`guardrails_runtime.policies.registry`, so that
the Lambda, which imports only the policies it remediates, does not load the others.
"""
