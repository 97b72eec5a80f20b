"""The staff journal as sentences: «Иванова Ольга ответила на обращение О-2026-000123».

Each journal action has one sentence per grammatical gender of the actor (Russian past tense
agrees with the subject: «ответил» / «ответила»); the person's profile gender picks it, and
the masculine form stands for an unknown one, as Russian forms do. Placeholders are filled from
the audit row's data; what the row lacks reads as «—», never as raw JSON or an English key.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

from kabinet.billing.models import Supplier
from kabinet.core.audit import Action
from kabinet.core.models import AuditEntry
from kabinet.identity.models import User
from kabinet.support.models import Appeal, ServiceRequest, SocialNormDocument


def _both(male: str, female: str) -> tuple[Promise, Promise]:
    return pgettext_lazy("journal, he", male), pgettext_lazy("journal, she", female)


SENTENCES: dict[str, tuple[Promise, Promise]] = {
    Action.STAFF_LOGGED_IN: _both("%(who)s вошёл в бэк-офис", "%(who)s вошла в бэк-офис"),
    Action.STAFF_LOGGED_OUT: _both("%(who)s вышел из бэк-офиса", "%(who)s вышла из бэк-офиса"),
    Action.APPEAL_ANSWERED: _both(
        "%(who)s ответил на обращение %(number)s", "%(who)s ответила на обращение %(number)s"
    ),
    Action.APPEAL_ASSIGNED: _both(
        "%(who)s назначил обращение %(number)s: %(assignee)s",
        "%(who)s назначила обращение %(number)s: %(assignee)s",
    ),
    Action.APPEAL_CLOSED: _both(
        "%(who)s закрыл обращение %(number)s", "%(who)s закрыла обращение %(number)s"
    ),
    Action.REQUEST_ASSIGNED: _both(
        "%(who)s назначил заявку %(number)s: %(assignee)s",
        "%(who)s назначила заявку %(number)s: %(assignee)s",
    ),
    Action.REQUEST_STATUS_CHANGED: _both(
        "%(who)s перевёл заявку %(number)s в статус «%(status)s»",
        "%(who)s перевела заявку %(number)s в статус «%(status)s»",
    ),
    Action.DOCUMENT_REVIEWED: _both(
        "%(who)s проверил документы для соц. нормы: «%(status)s»",
        "%(who)s проверила документы для соц. нормы: «%(status)s»",
    ),
    Action.SUPPLIER_SETTINGS_UPDATED: _both(
        "%(who)s изменил настройки поставщика %(supplier)s",
        "%(who)s изменила настройки поставщика %(supplier)s",
    ),
    Action.FAQ_SAVED: _both(
        "%(who)s сохранил вопрос FAQ № %(id)s", "%(who)s сохранила вопрос FAQ № %(id)s"
    ),
    Action.FAQ_ACTIVATED: _both(
        "%(who)s опубликовал вопрос FAQ № %(id)s", "%(who)s опубликовала вопрос FAQ № %(id)s"
    ),
    Action.FAQ_DEACTIVATED: _both(
        "%(who)s скрыл вопрос FAQ № %(id)s", "%(who)s скрыла вопрос FAQ № %(id)s"
    ),
    Action.FAQ_CATEGORY_SAVED: _both(
        "%(who)s сохранил раздел FAQ № %(id)s", "%(who)s сохранила раздел FAQ № %(id)s"
    ),
    Action.CATALOG_ITEM_SAVED: _both(
        "%(who)s сохранил услугу каталога № %(id)s",
        "%(who)s сохранила услугу каталога № %(id)s",
    ),
    Action.CATALOG_ITEM_ACTIVATED: _both(
        "%(who)s включил услугу каталога № %(id)s",
        "%(who)s включила услугу каталога № %(id)s",
    ),
    Action.CATALOG_ITEM_DEACTIVATED: _both(
        "%(who)s выключил услугу каталога № %(id)s",
        "%(who)s выключила услугу каталога № %(id)s",
    ),
}
# Nobody is logged in yet: the name is what was typed.
FAILED_LOGIN = pgettext_lazy("journal", "Неудачный вход в бэк-офис под именем «%(name)s»")
UNASSIGNED = pgettext_lazy("journal", "без исполнителя")
UNKNOWN = "—"

_STATUSES: dict[str, dict[str, Any]] = {
    Action.REQUEST_STATUS_CHANGED: dict(ServiceRequest.Status.choices),
    Action.DOCUMENT_REVIEWED: dict(SocialNormDocument.Status.choices),
    Action.APPEAL_CLOSED: dict(Appeal.Status.choices),
}


def _name(user: User | None) -> str:
    if user is None:
        return UNKNOWN
    return user.get_full_name() or user.username


def _after(value: Any) -> Any:
    """Changes are kept as {"before": …, "after": …}; the sentence tells the result."""
    return value.get("after") if isinstance(value, dict) else value


def sentences(entries: Sequence[AuditEntry]) -> list[tuple[AuditEntry, str]]:
    """Each entry with its sentence; two queries for the whole page (assignees, suppliers)."""
    assignee_ids = {_after(e.data.get("assignee")) for e in entries} - {None}
    supplier_ids = {
        int(e.object_id)
        for e in entries
        if e.action == Action.SUPPLIER_SETTINGS_UPDATED and e.object_id.isdigit()
    }
    people = {u.pk: u for u in User.objects.filter(pk__in=assignee_ids)} if assignee_ids else {}
    suppliers = (
        dict(Supplier.objects.filter(pk__in=supplier_ids).values_list("pk", "short_name"))
        if supplier_ids
        else {}
    )
    return [(entry, _sentence(entry, people, suppliers)) for entry in entries]


def _sentence(entry: AuditEntry, people: dict[int, User], suppliers: dict[int, str]) -> str:
    data = entry.data or {}
    if entry.action == Action.STAFF_LOGIN_FAILED:
        return str(FAILED_LOGIN) % {"name": entry.actor_label or UNKNOWN}
    forms = SENTENCES.get(entry.action)
    if forms is None:
        return entry.action
    he, she = forms
    template = she if entry.actor and entry.actor.gender == User.Gender.FEMALE else he
    assignee = _after(data.get("assignee"))
    status = _after(data.get("status"))
    values = {
        "who": _name(entry.actor) if entry.actor else (entry.actor_label or UNKNOWN),
        "number": data.get("number") or UNKNOWN,
        "assignee": _name(people.get(assignee)) if assignee else str(UNASSIGNED),
        "status": _STATUSES.get(entry.action, {}).get(status, status or UNKNOWN),
        "supplier": suppliers.get(int(entry.object_id), UNKNOWN)
        if entry.object_id.isdigit()
        else UNKNOWN,
        "id": entry.object_id or UNKNOWN,
    }
    return str(template) % values
