"""Policy ``imdsv2-required``: ``spec`` (data), ``policy`` (logic), ``fix`` (reactive plane)."""
