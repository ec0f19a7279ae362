"""Policy ``cloudtrail-enabled``: ``spec`` (data), ``policy`` (logic), ``fix`` (reactive plane)."""
