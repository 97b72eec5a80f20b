"""Editing the FAQ and the service catalog, scoped to the staff member's suppliers.

One set of views serves each kind of content, described by a ``ContentKind``. A row of another
supplier (or a row for every supplier, to staff bound to one) answers 404.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kabinet.core.audit import Action
from kabinet.staff import scoping, services
from kabinet.staff.access import staff_required
from kabinet.staff.forms import (
    CatalogItemForm,
    FaqCategoryForm,
    FaqQuestionForm,
    ScopedContentForm,
)
from kabinet.staff.views.common import paginate
from kabinet.support.models import CatalogItem, FaqCategory, FaqQuestion


@dataclass(frozen=True)
class ContentKind:
    slug: str
    model: type[models.Model]
    form: type[ScopedContentForm]
    supplier_path: str
    title: Any
    columns: tuple[tuple[Any, Callable[[Any], Any]], ...]
    saved: Action
    related: tuple[str, ...] = ()
    active_field: str | None = None
    # The audit actions of showing a row to customers and hiding it (with ``active_field``).
    activated: Action | None = None
    deactivated: Action | None = None
    nav: str = "faq"

    def rows(self, user: Any) -> models.QuerySet[Any]:
        rows = self.model._default_manager.select_related(*self.related)
        return scoping.scoped(rows, user, self.supplier_path)

    def supplier_id(self, obj: Any) -> int | None:
        target = obj
        for step in self.supplier_path.split("__")[:-1]:
            target = getattr(target, step)
        return getattr(target, f"{self.supplier_path.split('__')[-1]}_id")


def _supplier_name(supplier: Any) -> str:
    return supplier.short_name if supplier is not None else str(_("Все поставщики"))


KINDS = {
    "faq": ContentKind(
        slug="faq",
        model=FaqQuestion,
        form=FaqQuestionForm,
        supplier_path="category__supplier",
        title=gettext_lazy("Вопросы и ответы"),
        related=("category__supplier",),
        columns=(
            (gettext_lazy("Раздел"), lambda q: q.category.name),
            (gettext_lazy("Поставщик"), lambda q: _supplier_name(q.category.supplier)),
            (gettext_lazy("Вопрос"), lambda q: q.question),
        ),
        saved=Action.FAQ_SAVED,
        active_field="is_published",
        activated=Action.FAQ_ACTIVATED,
        deactivated=Action.FAQ_DEACTIVATED,
    ),
    "faq_category": ContentKind(
        slug="faq_category",
        model=FaqCategory,
        form=FaqCategoryForm,
        supplier_path="supplier",
        title=gettext_lazy("Разделы вопросов и ответов"),
        related=("supplier",),
        columns=(
            (gettext_lazy("Раздел"), lambda c: c.name),
            (gettext_lazy("Поставщик"), lambda c: _supplier_name(c.supplier)),
            (gettext_lazy("Порядок"), lambda c: c.sort_order),
        ),
        saved=Action.FAQ_CATEGORY_SAVED,
    ),
    "catalog": ContentKind(
        slug="catalog",
        model=CatalogItem,
        form=CatalogItemForm,
        supplier_path="supplier",
        title=gettext_lazy("Каталог услуг"),
        related=("supplier", "category"),
        columns=(
            (gettext_lazy("Код"), lambda i: i.code),
            (gettext_lazy("Услуга"), lambda i: i.name),
            (gettext_lazy("Поставщик"), lambda i: i.supplier.short_name),
            (
                gettext_lazy("Цена, ₽"),
                lambda i: i.price if i.price is not None else _("по договорённости"),
            ),
        ),
        saved=Action.CATALOG_ITEM_SAVED,
        active_field="is_active",
        activated=Action.CATALOG_ITEM_ACTIVATED,
        deactivated=Action.CATALOG_ITEM_DEACTIVATED,
        nav="catalog",
    ),
}


def _load(kind: ContentKind, user: Any, pk: int) -> Any:
    obj = kind.rows(user).filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


@staff_required
@require_GET
def content_list(request: HttpRequest, kind: str) -> HttpResponse:
    spec = KINDS[kind]
    ordering = [str(term) for term in spec.model._meta.ordering or ()]
    page = paginate(request, spec.rows(request.user).order_by(*ordering, "pk"))
    rows = [(obj, [render_(obj) for _label, render_ in spec.columns]) for obj in page]
    return render(
        request,
        "staff/content_list.html",
        {
            "kind": spec,
            "headers": [label for label, _render in spec.columns],
            "rows": rows,
            "page": page,
            "nav": spec.nav,
        },
    )


def _fields(form: ScopedContentForm) -> list[str]:
    return list(form.fields)


@staff_required
@require_http_methods(["GET", "POST"])
def content_edit(request: HttpRequest, kind: str, pk: int | None = None) -> HttpResponse:
    spec = KINDS[kind]
    instance = _load(spec, request.user, pk) if pk is not None else None
    # Read before the form writes the posted values onto the instance.
    previous = spec.supplier_id(instance) if instance is not None else None
    form = spec.form(request.POST or None, instance=instance, staff=request.user)
    if request.method == "POST" and form.is_valid():
        obj = form.save(commit=False)
        services.save_content(
            staff=request.user,  # type: ignore[arg-type]
            instance=obj,
            fields=_fields(form),
            supplier_id=spec.supplier_id(obj),
            previous_supplier_id=previous,
            action=spec.saved,
        )
        messages.success(request, _("Сохранено."))
        return redirect(f"staff:{spec.slug}_list")
    return render(
        request,
        "staff/content_form.html",
        {"kind": spec, "form": form, "object": instance, "nav": spec.nav},
        status=400 if form.errors else 200,
    )


@staff_required
@require_POST
def content_toggle(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """Hide a row from customers (or show it again) without deleting it."""
    spec = KINDS[kind]
    if spec.active_field is None or spec.activated is None or spec.deactivated is None:
        raise Http404
    obj = _load(spec, request.user, pk)
    previous = spec.supplier_id(obj)
    active = not getattr(obj, spec.active_field)
    setattr(obj, spec.active_field, active)
    services.save_content(
        staff=request.user,  # type: ignore[arg-type]
        instance=obj,
        fields=[spec.active_field],
        supplier_id=previous,
        previous_supplier_id=previous,
        action=spec.activated if active else spec.deactivated,
    )
    messages.success(request, _("Показано клиентам.") if active else _("Скрыто от клиентов."))
    return redirect(f"staff:{spec.slug}_list")
