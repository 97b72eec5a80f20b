"""Supplier settings staff may change: readings window, control questions, payments, contacts."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kabinet.staff import scoping, selectors, services
from kabinet.staff.access import staff_required
from kabinet.staff.forms import SupplierSettingsForm


@staff_required
@require_GET
def supplier_list(request: HttpRequest) -> HttpResponse:
    suppliers = list(scoping.visible_suppliers(request.user))
    if len(suppliers) == 1:
        return redirect("staff:supplier_settings", supplier_id=suppliers[0].pk)
    return render(request, "staff/supplier_list.html", {"suppliers": suppliers, "nav": "settings"})


@staff_required
@require_http_methods(["GET", "POST"])
def supplier_settings(request: HttpRequest, supplier_id: int) -> HttpResponse:
    supplier = selectors.scoped_or_404(
        scoping.visible_suppliers(request.user), request.user, supplier_id, field="pk"
    )
    # The form works on its own copy: an invalid POST must not change what the page shows
    # as saved.
    form = SupplierSettingsForm(
        request.POST or None,
        instance=type(supplier).objects.get(pk=supplier.pk),
    )
    if request.method == "POST" and form.is_valid():
        changes = services.update_supplier_settings(
            staff=request.user,  # type: ignore[arg-type]
            supplier=supplier,
            values=form.cleaned_data,
        )
        if changes:
            messages.success(request, _("Настройки поставщика сохранены."))
        else:
            messages.info(request, _("Изменений нет."))
        return redirect("staff:supplier_settings", supplier_id=supplier.pk)
    return render(
        request,
        "staff/supplier_settings.html",
        {"supplier": supplier, "form": form, "nav": "settings"},
        status=400 if form.errors else 200,
    )
