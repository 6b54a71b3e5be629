"""The HTTP layer: pages, the JSON API, sitemaps and error handlers (thin, over ask and kb)."""
