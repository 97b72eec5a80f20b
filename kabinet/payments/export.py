"""Registered from the app config; see kabinet.billing.exchange."""
