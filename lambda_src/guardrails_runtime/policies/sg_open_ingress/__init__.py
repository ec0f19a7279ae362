"""Policy ``sg-open-ingress``: ``spec`` (data), ``policy`` (logic), ``fix`` (reactive plane)."""
