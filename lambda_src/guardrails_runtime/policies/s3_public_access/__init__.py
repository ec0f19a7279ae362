"""Policy ``s3-public-access``: ``spec`` (data), ``policy`` (logic), ``fix`` (reactive plane)."""
