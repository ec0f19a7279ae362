"""Runtime half of cdk-guardrails: pure policies, event readers and the remediation Lambda.

Depends on boto3 and the standard library only, and never imports ``aws_cdk``; the CDK
side (``guardrails``) imports this package for the shared policy logic, never the reverse.
"""

from __future__ import annotations

__version__ = "0.1.0"
