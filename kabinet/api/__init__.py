"""django-ninja API under /api/v1: the customer API (mobile apps), later the integration API."""
