"""Policy ``default-sg-closed``: ``spec`` (data), ``policy`` (logic), ``fix`` (reactive plane)."""
