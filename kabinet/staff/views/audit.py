"""The log of staff acts."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from kabinet.core.forms import DateInput
from kabinet.identity.models import User
from kabinet.staff import journal, selectors
from kabinet.staff.access import staff_required
from kabinet.staff.forms import LabelledChoiceField, StyledForm, person_name
from kabinet.staff.views.common import paginate


class AuditFilterForm(StyledForm):
    actor = LabelledChoiceField(
        label=_("Сотрудник"), queryset=User.objects.none(), required=False, label_of=person_name
    )
    action = forms.ChoiceField(
        label=_("Действие"),
        choices=[("", _("Все")), *selectors.JOURNAL_ACTIONS.items()],
        required=False,
    )
    date_from = forms.DateField(label=_("С"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("По"), required=False, widget=DateInput())

    def __init__(self, *args: Any, staff: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["actor"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = selectors.staff_users(staff)
        field.empty_label = str(_("Все"))


@staff_required
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET, staff=request.user)
    form.is_valid()
    data = {k: v for k, v in form.cleaned_data.items() if k not in form.errors}
    actor = data.get("actor")
    rows = selectors.audit_entries(
        request.user,
        actor_id=actor.pk if actor else None,
        action=data.get("action") or "",
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
    )
    page = paginate(request, rows, per_page=50)
    return render(
        request,
        "staff/audit.html",
        {
            "form": form,
            "page": page,
            "entries": journal.sentences(list(page)),
            "nav": "audit",
        },
    )
