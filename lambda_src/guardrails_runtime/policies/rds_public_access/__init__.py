"""Policy ``rds-public-access``: ``spec`` (data), ``policy`` (logic), ``fix`` (reactive plane)."""
