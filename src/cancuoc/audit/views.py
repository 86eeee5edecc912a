from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponseForbidden
from django.shortcuts import render
from django.utils.translation import gettext as _

from cancuoc.accounts.permissions import Verb, has_permission
from cancuoc.registry.validation import parse_date

from . import events
from .models import Action
from .selectors import date_in_range, search_entries


def _date_filter(request, name: str, errors: list[str]):
    """The date typed in filter ``name``, or None; an impossible date is named in ``errors``, never ignored."""
    text = request.GET.get(name, "").strip()[:40]
    try:
        value = parse_date(text)
    except ValueError:
        value = None
    if text and (value is None or not date_in_range(value)):
        errors.append(_("Not a valid date (dd/mm/yyyy): %(text)s / Ngày không hợp lệ (dd/mm/yyyy): %(text)s")
                      % {"text": text})
        return None
    return value


@login_required
def search(request):
    if not has_permission(request.user, Verb.AUDIT_READ):
        return HttpResponseForbidden(_("Only auditors and national administrators may read the audit log."))
    errors: list[str] = []
    filters = {
        "actor": request.GET.get("actor", "")[:150],
        "object_id": request.GET.get("object_id", "")[:40],
        "action": request.GET.get("action", "") if request.GET.get("action") in Action.values else "",
        "since": _date_filter(request, "since", errors),
        "until": _date_filter(request, "until", errors),
    }
    if errors:  # a filter that cannot be applied shows nothing rather than everything
        return render(request, "audit/search.html", {"page": None, "filters": filters, "actions": Action.choices,
                                                     "errors": errors, "typed": request.GET}, status=422)  # fmt: skip
    page = Paginator(search_entries(request.user, **filters), 50).get_page(request.GET.get("page"))
    events.audit_log_read(request.user, filters={**filters, "page": page.number}, returned=len(page.object_list))
    return render(request, "audit/search.html", {"page": page, "filters": filters, "actions": Action.choices})
