"""Policy ``kms-key-deletion``: ``spec`` (data), ``policy`` (logic), ``fix`` (reactive plane)."""
