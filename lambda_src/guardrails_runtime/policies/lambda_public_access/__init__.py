"""Policy ``lambda-public-access``: ``spec``, ``policy`` (logic), ``fix`` (reactive plane)."""
