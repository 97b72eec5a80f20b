"""Bills remember when billing's load brought them.

Bills loaded before this migration get the time it runs: a portal payment made before the
upgrade is then in the newest bill's «paid» when the bill is for its month or later (see
kabinet/payments/pending.py), as billing most likely counted it; later ones stay pending.
"""

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('billing', '0006_round_bill_totals'),
    ]

    operations = [
        migrations.AddField(
            model_name='bill',
            name='loaded_at',
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name='загружена из биллинга'),
        ),
    ]
