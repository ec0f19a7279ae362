"""Policy ``exemption-tags``: exemptions are reported, and count only when approved."""
