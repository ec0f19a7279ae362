"""Policy ``config-recorder-on``: ``spec`` (data), ``policy`` (logic), ``fix`` (reactive plane)."""
