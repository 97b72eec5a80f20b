"""Refunds become records of their own (amount, time, parts per bill line), so billing gets them.

Payments refunded before this migration get one refund each for what was refunded, dated when the
payment last changed, split over its lines in proportion; so the record is whole, although such
refunds lie in ranges that were already exported.
"""

import django.db.models.deletion
from decimal import Decimal
from django.conf import settings

from django.db import migrations, models

from kabinet.core.money import allocate


def record_earlier_refunds(apps, schema_editor):  # type: ignore[no-untyped-def]
    Payment = apps.get_model("payments", "Payment")
    Refund = apps.get_model("payments", "Refund")
    RefundSplit = apps.get_model("payments", "RefundSplit")
    refunded = Payment.objects.filter(refunded_amount__gt=0).order_by("pk")
    for payment in refunded.iterator(chunk_size=500):
        splits = list(payment.splits.order_by("pk"))
        total = min(payment.refunded_amount, sum(split.amount for split in splits))
        if total <= 0:
            continue
        refund = Refund.objects.create(
            payment=payment,
            amount=total,
            status="succeeded",
            origin="staff",
            refunded_at=payment.updated_at or payment.paid_at or payment.created_at,
        )
        parts = allocate(total, [split.amount for split in splits])
        RefundSplit.objects.bulk_create(
            RefundSplit(refund=refund, payment_split=split, amount=part)
            for split, part in zip(splits, parts)
            if part > 0
        )


class Migration(migrations.Migration):

    dependencies = [
        ('payments', '0003_payment_accounted_at'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='payment',
            name='bill_period',
            field=models.DateField(blank=True, null=True, verbose_name='период квитанции'),
        ),
        migrations.AddField(
            model_name='paymentsplit',
            name='document_number',
            field=models.CharField(blank=True, db_default='', default='', max_length=32, verbose_name='номер документа (ИПД)'),
        ),
        migrations.CreateModel(
            name='Refund',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('amount', models.DecimalField(decimal_places=2, default=Decimal('0.00'), max_digits=14, verbose_name='сумма, ₽')),
                ('status', models.CharField(choices=[('pending', 'Отправлен в банк'), ('succeeded', 'Выполнен'), ('canceled', 'Отклонён')], default='pending', max_length=12, verbose_name='статус')),
                ('origin', models.CharField(choices=[('staff', 'Сотрудник в личном кабинете'), ('acquirer', 'В кабинете платёжного сервиса')], max_length=12, verbose_name='откуда')),
                ('provider_refund_id', models.CharField(blank=True, max_length=64, verbose_name='id возврата в платёжном сервисе')),
                ('idempotency_key', models.CharField(blank=True, max_length=80, verbose_name='ключ идемпотентности')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='создан')),
                ('refunded_at', models.DateTimeField(blank=True, null=True, verbose_name='дата возврата')),
                ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='кто вернул')),
                ('payment', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='refunds', to='payments.payment', verbose_name='платёж')),
            ],
            options={
                'verbose_name': 'возврат',
                'verbose_name_plural': 'возвраты',
                'ordering': ['-created_at', '-pk'],
            },
        ),
        migrations.CreateModel(
            name='RefundSplit',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('amount', models.DecimalField(decimal_places=2, default=Decimal('0.00'), max_digits=14, verbose_name='сумма, ₽')),
                ('payment_split', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='refund_splits', to='payments.paymentsplit', verbose_name='часть платежа')),
                ('refund', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='splits', to='payments.refund', verbose_name='возврат')),
            ],
            options={
                'verbose_name': 'часть возврата',
                'verbose_name_plural': 'части возврата',
            },
        ),
        migrations.AddIndex(
            model_name='refund',
            index=models.Index(condition=models.Q(('status', 'succeeded')), fields=['refunded_at'], name='refund_succeeded_at_idx'),
        ),
        migrations.AddConstraint(
            model_name='refund',
            constraint=models.CheckConstraint(condition=models.Q(('amount__gt', 0)), name='refund_amount_positive'),
        ),
        migrations.AddConstraint(
            model_name='refund',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('status', 'succeeded'), _negated=True), ('refunded_at__isnull', False), _connector='OR'), name='refund_succeeded_has_time'),
        ),
        migrations.AddConstraint(
            model_name='refundsplit',
            constraint=models.UniqueConstraint(fields=('refund', 'payment_split'), name='refund_split_unique'),
        ),
        migrations.AddConstraint(
            model_name='refundsplit',
            constraint=models.CheckConstraint(condition=models.Q(('amount__gt', 0)), name='refund_split_positive'),
        ),
        migrations.RunPython(record_earlier_refunds, migrations.RunPython.noop),
    ]
