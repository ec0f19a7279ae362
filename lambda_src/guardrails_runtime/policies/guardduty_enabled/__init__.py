"""Policy ``guardduty-enabled``: ``spec`` (data), ``policy`` (logic), ``fix`` (reactive plane)."""
