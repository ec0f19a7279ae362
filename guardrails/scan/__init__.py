"""The static plane: read CloudFormation templates, cdk.out folders and Terraform plans
into the canonical model, and evaluate the catalog's policies on them.

Nothing here imports aws_cdk, so ``guardrails scan`` starts fast and runs anywhere.
"""
