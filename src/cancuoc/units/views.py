from django.contrib.auth.decorators import login_required
from django.db.models import F
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from cancuoc.accounts.permissions import NotFound

from . import selectors
from .access import access_unit_by_id


@login_required
def browser(request, unit_id: int | None = None):
    unit = None
    if unit_id is not None:
        try:
            unit = access_unit_by_id(request.user, unit_id)
        except NotFound as error:
            raise Http404 from error
    context = {
        "unit": unit,
        "ancestors": unit.ancestors() if unit else [],
        "children": selectors.children(unit).order_by(F("valid_to").asc(nulls_first=True), "name_folded"),
        "successors": list(unit.successors.all()) if unit else [],
        "predecessors": list(unit.predecessors.all()[:200]) if unit else [],
        "in_force": selectors.resolve_to_units_in_force(unit, timezone.localdate()) if unit else [],
    }  # fmt: skip
    return render(request, "units/browser.html", context)


@login_required
def search(request):
    units = selectors.search_units(request.GET.get("q", "")[:100], limit=20)
    return render(request, "units/_search_results.html", {"units": units})


@login_required
def resolve_address(request):
    text = request.GET.get("address", "")[:300]
    named, in_force = (
        selectors.resolve_address_text(text, timezone.localdate()) if text.strip() else (None, [])
    )
    return render(request, "units/_resolved.html", {"text": text, "named": named, "in_force": in_force})
