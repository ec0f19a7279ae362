"""Policy ``s3-ssl-only``: ``spec`` (data), ``policy`` (logic), ``fix`` (reactive plane)."""
