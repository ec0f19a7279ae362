"""Policy ``s3-encryption``: ``spec`` (data), ``policy`` (logic), ``fix`` (reactive plane)."""
