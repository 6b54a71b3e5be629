"""HTML pages: each view parses the request, calls selectors or ask, and renders a template."""
