"""Template filters of the public pages."""
