"""Round the bills' amounts that the importer summed to kopecks.

On SQLite the importer's SUM of the sections left binary-float remainders in the bill columns
(39799.840000000004), so the database's own comparison with a typed total missed the bill;
the importer rounds now, and this puts the rows it wrote before right. On PostgreSQL the sums
were exact and rounding changes nothing.
"""

from django.db import migrations
from django.db.models.functions import Round

AMOUNTS = ("opening_balance", "charged", "recalculation", "benefits", "penalties", "paid", "total")


def round_amounts(apps, schema_editor):  # type: ignore[no-untyped-def]
    Bill = apps.get_model("billing", "Bill")
    Bill.objects.update(**{name: Round(name, 2) for name in AMOUNTS})


class Migration(migrations.Migration):
    dependencies = [("billing", "0005_account_data_version")]

    operations = [migrations.RunPython(round_amounts, migrations.RunPython.noop)]
