"""Policy ``ssm-document-public``: ``spec`` (data), ``policy`` (logic), ``fix`` (reactive plane)."""
