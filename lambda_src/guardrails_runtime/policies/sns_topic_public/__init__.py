"""Policy ``sns-topic-public``: ``spec`` (data), ``policy`` (logic), ``fix`` (reactive plane)."""
