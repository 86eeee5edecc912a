from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from cancuoc.accounts.permissions import Verb, has_permission
from cancuoc.registry import quality, selectors
from cancuoc.registry.models import QualityFlag


@login_required
def home(request):
    context = {"unit": request.user.unit}
    if has_permission(request.user, Verb.QUALITY_READ):
        citizens = selectors.scoped(request.user)
        context["citizen_count"] = citizens.count()
        context["flag_counts"] = quality.flag_counts(citizens)
        context["child_rows"] = quality.flag_counts_per_child_unit(request.user.unit, citizens)
        # each count of the table with its code, so that the page links it to its worklist in that unit
        context["codes"] = QualityFlag.Code.values
        context["table_rows"] = [(row, [(code, row[code]) for code in QualityFlag.Code.values])
                                 for row in context["child_rows"]]  # fmt: skip
    return render(request, "web/home.html", context)
