"""Every API token expires: tokens issued before this had none.

A token without an expiry gets 30 days from its last use (or its issue, if never used), the
default sliding lifetime; one idle for longer is expired at once. Then the column becomes
NOT NULL and the check names the one rule left: a token expires after it was issued.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import migrations, models

# The default of API_TOKEN_TTL_DAYS, copied: a migration must not change with the settings.
TTL = dt.timedelta(days=30)


def give_every_token_an_expiry(apps: Any, schema_editor: Any) -> None:
    ApiToken = apps.get_model("identity", "ApiToken")
    for token in ApiToken.objects.filter(expires_at__isnull=True).iterator():
        last = max(token.created_at, token.last_used_at or token.created_at)
        ApiToken.objects.filter(pk=token.pk).update(expires_at=last + TTL)


class Migration(migrations.Migration):
    dependencies = [("identity", "0002_customer_details")]

    operations = [
        migrations.RunPython(give_every_token_an_expiry, migrations.RunPython.noop),
        migrations.RemoveConstraint(model_name="apitoken", name="api_token_expires_after_created"),
        migrations.AlterField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(verbose_name="действует до"),
        ),
        migrations.AddConstraint(
            model_name="apitoken",
            constraint=models.CheckConstraint(
                condition=models.Q(("expires_at__gt", models.F("created_at"))),
                name="api_token_expires_after_created",
            ),
        ),
    ]
