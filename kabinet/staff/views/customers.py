"""Finding a customer and the customer card."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from kabinet.staff import selectors
from kabinet.staff.access import staff_required
from kabinet.staff.forms import CustomerSearchForm


@staff_required
@require_GET
def customer_search(request: HttpRequest) -> HttpResponse:
    form = CustomerSearchForm(request.GET if "q" in request.GET else None)
    results = None
    if form.is_bound and form.is_valid():
        results = selectors.search_customers(
            request.user, form.cleaned_data["kind"], form.cleaned_data["q"]
        )
    return render(
        request,
        "staff/customers.html",
        {
            "form": form,
            "results": results,
            "limit": selectors.SEARCH_LIMIT,
            "nav": "customers",
        },
        status=400 if form.errors else 200,
    )


@staff_required
@require_GET
def customer_card(request: HttpRequest, customer_id: int) -> HttpResponse:
    card = selectors.customer_card(request.user, customer_id)
    return render(request, "staff/customer_card.html", {"card": card, "nav": "customers"})
