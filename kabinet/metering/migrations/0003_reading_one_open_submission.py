"""One unanswered customer submission per meter and period, enforced by a partial unique index.

Submissions used to be serialised by locking the meters; rows saved before that could in
principle hold two open submissions of one meter and period. The newest one is what the customer
last sent and what replaced the others, so the older ones are marked rejected with the reason
before the index is built (none are deleted: their audit entries point at them).
"""

from django.db import migrations, models
from django.db.models import Q

OPEN = Q(status="received", source__in=["portal", "photo"])


def close_replaced_duplicates(apps, schema_editor):
    Reading = apps.get_model("metering", "Reading")
    seen: set[tuple[int, object]] = set()
    older: list[int] = []
    rows = (
        Reading.objects.using(schema_editor.connection.alias)
        .filter(OPEN)
        .order_by("meter_id", "period", "-submitted_at", "-pk")
        .values_list("pk", "meter_id", "period")
    )
    for pk, meter_id, period in rows.iterator(chunk_size=2000):
        if (meter_id, period) in seen:
            older.append(pk)
        else:
            seen.add((meter_id, period))
    for start in range(0, len(older), 1000):
        Reading.objects.using(schema_editor.connection.alias).filter(
            pk__in=older[start : start + 1000]
        ).update(
            status="rejected",
            reject_reason="Заменено показанием, переданным позже за тот же период",
        )


class Migration(migrations.Migration):
    dependencies = [
        ("metering", "0002_reading_confirmations_photo"),
    ]

    operations = [
        migrations.RunPython(close_replaced_duplicates, migrations.RunPython.noop, elidable=True),
        migrations.AddConstraint(
            model_name="reading",
            constraint=models.UniqueConstraint(
                condition=models.Q(("source__in", ["portal", "photo"]), ("status", "received")),
                fields=("meter", "period"),
                name="reading_one_open_submission",
            ),
        ),
    ]
