"""API routes of this app: (prefix, viewset, basename), registered by config.api_urls."""

ROUTES: list = []
