from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from cancuoc.accounts.access import can_read_registry
from cancuoc.registry import quality, selectors


@login_required
def home(request):
    context = {"unit": request.user.unit}
    if can_read_registry(request.user):
        citizens = selectors.scoped(request.user)
        context["citizen_count"] = citizens.count()
        context["flag_counts"] = quality.flag_counts(citizens)
        context["child_rows"] = quality.flag_counts_per_child_unit(request.user.unit, citizens)
    return render(request, "web/home.html", context)
