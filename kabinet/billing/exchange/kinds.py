"""Kinds of billing file owned by the billing app."""
