from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from cancuoc.accounts.permissions import Verb, has_permission
from cancuoc.registry import quality, selectors


@login_required
def home(request):
    context = {"unit": request.user.unit}
    if has_permission(request.user, Verb.QUALITY_READ):
        citizens = selectors.scoped(request.user)
        context["citizen_count"] = citizens.count()
        context["flag_counts"] = quality.flag_counts(citizens)
        context["child_rows"] = quality.flag_counts_per_child_unit(request.user.unit, citizens)
    return render(request, "web/home.html", context)
