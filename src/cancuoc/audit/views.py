from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponseForbidden
from django.shortcuts import render
from django.utils.translation import gettext as _

from cancuoc.accounts.permissions import Verb, has_permission
from cancuoc.registry.validation import parse_date

from . import events
from .models import Action
from .selectors import search_entries


def _date_or_none(value):
    try:
        return parse_date(value)
    except ValueError:
        return None


@login_required
def search(request):
    if not has_permission(request.user, Verb.AUDIT_READ):
        return HttpResponseForbidden(_("Only auditors and national administrators may read the audit log."))
    filters = {
        "actor": request.GET.get("actor", "")[:150],
        "object_id": request.GET.get("object_id", "")[:40],
        "action": request.GET.get("action", "") if request.GET.get("action") in Action.values else "",
        "since": _date_or_none(request.GET.get("since")),
        "until": _date_or_none(request.GET.get("until")),
    }
    page = Paginator(search_entries(request.user, **filters), 50).get_page(request.GET.get("page"))
    events.audit_log_read(request.user, filters={**filters, "page": page.number}, returned=len(page.object_list))
    return render(request, "audit/search.html", {"page": page, "filters": filters, "actions": Action.choices})
