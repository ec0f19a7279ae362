"""Pure policy logic over the canonical model: one module per policy, no AWS, no CDK."""
