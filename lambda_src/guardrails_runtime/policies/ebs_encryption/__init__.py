"""Policy ``ebs-encryption``: ``spec`` (data), ``policy`` (logic), ``fix`` (reactive plane)."""
