"""Exchange with billing systems: file import (fast paths per database) and export.

The engine lives here; each app describes its own kinds of file (billing: accounts, tariffs,
charges, bills; metering: meters, readings; payments: payments) and registers them from its
AppConfig.ready(), so billing never imports the apps above it.
"""
