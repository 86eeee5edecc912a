"""Corrections waiting for a supervisor (maker-checker): the list of the area's pending requests with the
values asked for beside the record's, and approve or reject with a reason."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from cancuoc.accounts.permissions import NotFound, PermissionDenied, Verb, has_permission
from cancuoc.web.language import problem_text

from . import access, events
from .actions import RegistryError
from .actions.changes import decide_change, requested_values
from .models import ChangeRequest, Citizen


@login_required
def change_requests(request):
    if not has_permission(request.user, Verb.CHANGE_DECIDE):
        raise PermissionDenied(Verb.CHANGE_DECIDE)
    citizens = access.scope_citizens(request.user, Citizen.objects.all(), Verb.CHANGE_DECIDE)
    pending = (ChangeRequest.objects.filter(status=ChangeRequest.Status.PENDING, citizen__in=citizens)
               .select_related("citizen", "requested_by").order_by("requested_at")[:100])  # fmt: skip
    rows = []
    for change in pending:
        values = requested_values(change)
        rows.append({"change": change, "values": [(name, getattr(change.citizen, name, ""), value)
                                                  for name, value in values.items()]})  # fmt: skip
        events.citizen_viewed(request.user, change.citizen, where="correction review")
    return render(request, "registry/change_requests.html", {"rows": rows})


@login_required
def change_decide(request, pk: int):
    if request.method != "POST":
        return redirect("change-requests")
    change = ChangeRequest.objects.select_related("citizen").filter(pk=pk).first()
    if change is None or not access.citizen_in_area(request.user, change.citizen, Verb.CHANGE_DECIDE):
        raise Http404
    try:
        decide_change(request.user, change, approve=request.POST.get("decision") == "approve",
                      reason=request.POST.get("reason", ""))  # fmt: skip
    except RegistryError as error:
        for problem in error.problems:
            messages.error(request, problem_text(problem))
    except (NotFound, PermissionDenied):
        raise Http404 from None
    else:
        messages.success(request, _("Decision recorded."))
    return redirect("change-requests")
