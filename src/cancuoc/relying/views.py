"""The national administrators' page of relying parties (``/relying-parties/``): list them, register one
(its API key is shown once, on the answer to that request, and never stored), disable one."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _

from cancuoc.accounts.permissions import Verb, require_permission
from cancuoc.web.language import problem_text

from . import actions
from .errors import RelyingError
from .models import RelyingParty, Scope


@login_required
def parties(request):
    require_permission(request.user, Verb.RELYING_PARTY_MANAGE)
    context = {"new_key": None, "new_party": None, "error": "", "notice": "", "scopes": Scope.choices,
               "form": {"name": "", "rate": actions.DEFAULT_RATE, "scopes": list(actions.DEFAULT_SCOPES)}}  # fmt: skip
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "add":
                context["form"] = {"name": request.POST.get("name", "")[:200], "rate": request.POST.get("rate", "")[:20],
                                   "scopes": request.POST.getlist("scopes")[:10]}  # fmt: skip
                party, key = actions.register_party(request.user, request.POST.get("name"),
                                                    scopes=request.POST.getlist("scopes")[:10],
                                                    rate=request.POST.get("rate", "")[:20])  # fmt: skip
                context["new_party"], context["new_key"] = party, key
                context["form"] = {"name": "", "rate": actions.DEFAULT_RATE, "scopes": list(actions.DEFAULT_SCOPES)}
            elif action == "disable" and request.POST.get("confirm") != "yes":
                # a bank's key stops working at once: never on one stray click
                status = 422
                context["error"] = _("Tick the box to confirm: the party's key stops working at once.")
            elif action == "disable":
                party_id = request.POST.get("party", "")
                party = actions.disable_party(request.user, int(party_id) if party_id.isdigit() else -1)
                context["notice"] = _("%(name)s is disabled: its key no longer works.") % {"name": party.name}
            else:
                status = 400
                context["error"] = _("Unknown action.")
        except RelyingError as error:
            status = 422
            context["error"] = problem_text(error)
    context["parties"] = list(RelyingParty.objects.order_by("-is_active", "name")[:500])
    answer = render(request, "relying/parties.html", context, status=status)
    if context["new_key"]:
        answer["Cache-Control"] = "no-store"  # the key is on this page only
    return answer
