"""Policy ``rds-snapshot-public``: ``spec`` (data), ``policy`` (logic), ``fix`` (reactive plane)."""
