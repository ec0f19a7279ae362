"""``CloudTrailGuardrail``: keep trails logging (policy ``cloudtrail-enabled``)."""

from __future__ import annotations

from guardrails.guardrail import PolicyGuardrail
from guardrails_runtime.remediations.cloudtrail_enabled import CloudTrailRemediation


class CloudTrailGuardrail(PolicyGuardrail):
    """Restarts a trail that was stopped; reports trails deleted or weakened.

    * react: successful ``StopLogging`` (restarted), ``DeleteTrail``, ``UpdateTrail`` and
      ``PutEventSelectors`` (notified when they weaken the trail) invoke the Lambda;
    * detect: AWS Config ``CLOUD_TRAIL_ENABLED`` and
      ``CLOUD_TRAIL_LOG_FILE_VALIDATION_ENABLED`` (reported only).

    Examples
    --------
    >>> from aws_cdk import App, Stack
    >>> stack = Stack(App(), "App")
    >>> guardrail = CloudTrailGuardrail(stack, "Trails")
    """

    remediation = CloudTrailRemediation()
