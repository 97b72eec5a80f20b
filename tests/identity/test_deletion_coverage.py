"""Every field that points to a person or may hold their details is covered by the deletion.

The test walks every model: a foreign key to the user model (``person_field`` included) or a
field whose name is one that personal details are stored under must be named in the COVERS of
identity's personal_data service or of one of the modules in settings.PERSONAL_DATA_MODULES,
which say what the deletion does with it. A new model or field fails here until its app says
so, and erases it (tests/identity/test_deletion.py checks that the deletion does what they say).
"""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models

from kabinet.identity.services import personal_data

# Names personal details are stored under: a person's name, contacts, texts they wrote or that
# were written to them, their files and addresses. A new field with one of these names must be
# named in some COVERS, even when the answer is "not a person's" (a supplier's phone).
PERSONAL_FIELD_NAMES = frozenset(
    {
        "actor_label",
        "alias",
        "body",
        "cancel_reason",
        "comment",
        "contact_phone",
        "data",
        "email",
        "file",
        "html_body",
        "ip_address",
        "label",
        "note",
        "original_name",
        "owner_name",
        "payload",
        "phone",
        "photo",
        "reason",
        "receipt_email",
        "receipt_phone",
        "reject_reason",
        "subject",
        "target",
        "text",
        "to",
    }
)


def personal_fields() -> set[str]:
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    found = set()
    for model in apps.get_models():
        if model is user_model or not model.__module__.startswith("kabinet."):
            continue
        for field in model._meta.get_fields():
            if not field.concrete:
                continue
            points_to_user = (
                isinstance(field, models.ForeignKey) and field.related_model is user_model
            )
            if points_to_user or field.name in PERSONAL_FIELD_NAMES:
                found.add(f"{model._meta.label}.{field.name}")
    return found


def test_every_field_about_a_person_is_covered_by_the_deletion() -> None:
    missing = personal_fields() - set(personal_data.covered_fields())
    assert not missing, (
        "Say what deleting an account does with these fields: add them to COVERS of the app's "
        f"personal_data module (and erase them there): {sorted(missing)}"
    )


def test_every_covered_field_exists() -> None:
    stale = []
    for name in personal_data.covered_fields():
        label, _dot, field = name.rpartition(".")
        try:
            apps.get_model(label)._meta.get_field(field)
        except (LookupError, FieldDoesNotExist):
            stale.append(name)
    assert not stale, f"COVERS names fields that do not exist: {stale}"


def test_the_walk_finds_what_the_issue_found() -> None:
    # The fields that still held a deleted person's data (issue 16), so the walk cannot go blind.
    assert {
        "core.AuditEntry.actor_label",
        "payments.Payment.receipt_email",
        "support.Appeal.text",
        "support.SocialNormDocument.comment",
        "support.Attachment.file",
        "metering.Reading.photo",
    } <= personal_fields()


def test_every_app_that_points_to_a_person_has_a_module() -> None:
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    with_pointers = {
        model._meta.app_config.name
        for model in apps.get_models()
        if model.__module__.startswith("kabinet.")
        and model._meta.app_label not in {"core", "identity", "messaging"}
        and any(
            isinstance(f, models.ForeignKey) and f.related_model is user_model
            for f in model._meta.get_fields()
        )
    }
    listed = {path.rpartition(".")[0] for path in settings.PERSONAL_DATA_MODULES}
    assert with_pointers <= listed
