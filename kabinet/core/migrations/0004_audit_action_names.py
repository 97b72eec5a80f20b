"""Old audit rows get the names ``kabinet.core.audit.Action`` gives them.

A staff act on an appeal, a request or a document used to write two rows in one transaction:
the support app's and the staff area's own (``staff.<verb>``, with ``supplier_id`` in its
data). The pair becomes one row under the support name, with the data of both and the supplier
in its column. Object types become model labels ("support.Appeal", not "appeal").

The names are copied here, not imported: a migration must keep working when the code changes.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations
from django.db.models import IntegerField
from django.db.models.fields.json import KT
from django.db.models.functions import Cast

RENAMES = {
    "registered": "identity.user_registered",
    "personal_details_filled": "identity.personal_details_filled",
    "login_failed": "identity.login_failed",
    "logged_in": "identity.user_logged_in",
    "logged_out": "identity.user_logged_out",
    "password_recovered": "identity.password_recovered",
    "consent_accepted": "identity.consent_accepted",
    "consent_withdrawn": "identity.consent_withdrawn",
    "profile.updated": "identity.profile_updated",
    "profile.password_changed": "identity.password_changed",
    "profile.phone_change_started": "identity.phone_change_started",
    "profile.phone_changed": "identity.phone_changed",
    "profile.email_change_started": "identity.email_change_started",
    "profile.email_confirmation_started": "identity.email_confirmation_started",
    "profile.email_changed": "identity.email_changed",
    "profile.email_confirmed": "identity.email_confirmed",
    "personal_data.exported": "identity.personal_data_exported",
    "payment.start": "payments.payment_started",
    "payment.pending": "payments.payment_registered",
    "payment.succeeded": "payments.payment_succeeded",
    "payment.canceled": "payments.payment_canceled",
    "payment.refunded": "payments.payment_refunded",
    "payment.refund": "payments.refund_issued",
    "support.catalog_ordered": "support.catalog_item_ordered",
    "support.request_status": "support.request_status_changed",
    "staff.logged_in": "staff.member_logged_in",
    "staff.logged_out": "staff.member_logged_out",
    "staff.update_supplier_settings": "staff.supplier_settings_updated",
    "staff.save_faq": "staff.faq_saved",
    "staff.activate_faq": "staff.faq_activated",
    "staff.deactivate_faq": "staff.faq_deactivated",
    "staff.save_faq_category": "staff.faq_category_saved",
    "staff.save_catalog": "staff.catalog_item_saved",
    "staff.activate_catalog": "staff.catalog_item_activated",
    "staff.deactivate_catalog": "staff.catalog_item_deactivated",
}

# The staff area's row of a staff act → the support app's row of the same act (its old name)
# and the name the merged row gets.
STAFF_TWINS = {
    "staff.answer_appeal": ("support.appeal_answered", "support.appeal_answered"),
    "staff.assign_appeal": ("support.appeal_assigned", "support.appeal_assigned"),
    "staff.close_appeal": ("support.appeal_closed", "support.appeal_closed"),
    "staff.assign_request": ("support.request_assigned", "support.request_assigned"),
    "staff.change_request_status": ("support.request_status", "support.request_status_changed"),
    "staff.review_document": ("support.document_reviewed", "support.document_reviewed"),
}

OBJECT_TYPES = {
    "user": "identity.User",
    "consent": "identity.Consent",
    "payment": "payments.Payment",
    "supplier": "billing.Supplier",
    "appeal": "support.Appeal",
    "servicerequest": "support.ServiceRequest",
    "socialnormdocument": "support.SocialNormDocument",
    "faqquestion": "support.FaqQuestion",
    "faqcategory": "support.FaqCategory",
    "catalogitem": "support.CatalogItem",
}

BATCH = 1000


def merge_staff_twins(entry_model: Any) -> None:
    """One row per staff act: the staff row absorbs its support twin, which is deleted."""
    claimed: set[int] = set()
    staff_rows = entry_model.objects.filter(action__in=STAFF_TWINS).order_by("pk")
    for row in staff_rows.iterator(chunk_size=BATCH):
        twin_action, new_action = STAFF_TWINS[row.action]
        # Written just before the staff row, in the same transaction.
        twin = (
            entry_model.objects.filter(
                action=twin_action,
                actor_id=row.actor_id,
                object_id=row.object_id,
                pk__lt=row.pk,
            )
            .exclude(pk__in=claimed)
            .order_by("-pk")
            .first()
        )
        if twin is not None and (row.at - twin.at).total_seconds() <= 60:
            row.data = {**twin.data, **row.data}
            claimed.add(twin.pk)
            twin.delete()
        row.action = new_action
        row.save(update_fields=["action", "data"])


def forwards(apps: Any, schema_editor: Any) -> None:
    entry_model = apps.get_model("core", "AuditEntry")
    merge_staff_twins(entry_model)
    for old, new in RENAMES.items():
        entry_model.objects.filter(action=old).update(action=new)
    for old, new in OBJECT_TYPES.items():
        entry_model.objects.filter(object_type=old).update(object_type=new)
    entry_model.objects.filter(supplier_id__isnull=True, data__has_key="supplier_id").update(
        supplier_id=Cast(KT("data__supplier_id"), IntegerField())
    )


def backwards(apps: Any, schema_editor: Any) -> None:
    entry_model = apps.get_model("core", "AuditEntry")
    # The old staff journal found its rows by name and their supplier in the data.
    staff_names = {new: old for old, (_twin, new) in STAFF_TWINS.items()}
    rows = entry_model.objects.filter(action__in=staff_names).order_by("pk")
    for row in rows.iterator(chunk_size=BATCH):
        row.action = staff_names[row.action]
        if row.supplier_id is not None:
            row.data = {**row.data, "supplier_id": row.supplier_id}
        row.save(update_fields=["action", "data"])
    rows = entry_model.objects.filter(supplier_id__isnull=False).exclude(
        data__has_key="supplier_id"
    )
    for row in rows.iterator(chunk_size=BATCH):
        row.data = {**row.data, "supplier_id": row.supplier_id}
        row.save(update_fields=["data"])
    for old, new in RENAMES.items():
        entry_model.objects.filter(action=new).update(action=old)


class Migration(migrations.Migration):
    dependencies = [("core", "0003_auditentry_supplier_id")]

    operations = [migrations.RunPython(forwards, backwards)]
