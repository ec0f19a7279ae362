"""Policy ``redshift-public-access``: ``spec``, ``policy`` (logic), ``fix`` (reactive plane)."""
