"""Officer management for national administrators and supervisors, and the officer's own password page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cancuoc.web.language import problem_text

from . import access, actions
from .errors import AccountError
from .models import Role
from .permissions import PermissionDenied, Verb, has_permission


def _manager_or_404(request):
    # the page does not exist for a role that may not manage officers
    if not has_permission(request.user, Verb.USER_MANAGE):
        raise Http404
    return request.user


def _unit_choices(manager):
    """Units an officer may be placed in: those in force under the manager's area (a province has ~150),
    or None for a national manager (who types a code)."""
    from cancuoc.units.models import AdministrativeUnit

    if manager.unit is None:
        return None
    units = AdministrativeUnit.objects.filter(path__startswith=manager.unit.path, valid_to__isnull=True)
    return list(units.order_by("level", "name_folded"))


def _role_choices(manager):
    return [(role.value, role.label) for role in access.assignable_roles(manager)]


@login_required
def officer_list(request):
    manager = _manager_or_404(request)
    query = request.GET.get("q", "").strip()[:100]
    officers = access.manageable_users(manager).exclude(pk=manager.pk)
    if query:
        officers = officers.filter(
            Q(username__icontains=query) | Q(first_name__icontains=query) | Q(last_name__icontains=query)
        )
    officers = officers.order_by("-is_active", "unit__path", "username")[:300]
    return render(request, "accounts/officers.html", {"officers": officers, "query": query})


def _form_context(manager, values: dict, error: AccountError | None = None, officer=None):
    return {"values": values, "error": error, "officer": officer, "roles": _role_choices(manager),
            "units": _unit_choices(manager)}  # fmt: skip


@login_required
def officer_create(request):
    manager = _manager_or_404(request)
    values = {"role": Role.COMMUNE_OFFICER.value, "unit": "", "username": "", "full_name": "", "reason": ""}
    if request.method == "POST":
        values = {key: request.POST.get(key, "").strip()[:200] for key in values}
        try:
            officer, password = actions.create_officer(
                manager, username=values["username"], full_name=values["full_name"], role=values["role"],
                unit=actions.resolve_unit(values["unit"]), reason=values["reason"],
            )  # fmt: skip
        except AccountError as error:
            return render(request, "accounts/officer_form.html", _form_context(manager, values, error), status=422)
        return render(request, "accounts/officer_password.html", {"officer": officer, "password": password})
    return render(request, "accounts/officer_form.html", _form_context(manager, values))


@login_required
def officer_edit(request, user_id: int):
    manager = _manager_or_404(request)
    try:
        officer = access.access_user_by_id(manager, user_id)
    except access.NotFound as error:
        raise Http404 from error
    values = {"role": officer.role, "unit": officer.unit.code if officer.unit else "",
              "is_active": officer.is_active, "reason": ""}  # fmt: skip
    if request.method == "POST":
        values = {"role": request.POST.get("role", ""), "unit": request.POST.get("unit", "").strip()[:20],
                  "is_active": request.POST.get("is_active") == "on", "reason": request.POST.get("reason", "")[:300]}  # fmt: skip
        try:
            actions.change_officer(manager, officer, role=values["role"], unit=actions.resolve_unit(values["unit"]),
                                   is_active=values["is_active"], reason=values["reason"])  # fmt: skip
        except AccountError as error:
            context = _form_context(manager, values, error, officer)
            return render(request, "accounts/officer_form.html", context, status=422)
        messages.success(request, _("Saved. / Đã lưu."))
        return redirect("officer-list")
    return render(request, "accounts/officer_form.html", _form_context(manager, values, officer=officer))


@login_required
@require_POST
def officer_reset_password(request, user_id: int):
    manager = _manager_or_404(request)
    try:
        officer = access.access_user_by_id(manager, user_id)
        password = actions.reset_password(manager, officer, reason=request.POST.get("reason", "")[:300])
    except access.NotFound as error:
        raise Http404 from error
    except AccountError as error:
        messages.error(request, problem_text(error))
        return redirect("officer-edit", user_id=user_id)
    return render(request, "accounts/officer_password.html", {"officer": officer, "password": password, "reset": True})


@login_required
def password_change(request):
    error = None
    if request.method == "POST":
        if not request.user.check_password(request.POST.get("old_password", "")):
            error = _("The current password is wrong. / Mật khẩu hiện tại không đúng.")
        elif request.POST.get("new_password", "") != request.POST.get("new_password2", ""):
            error = _("The two new passwords differ. / Hai mật khẩu mới không giống nhau.")
        else:
            try:
                actions.set_own_password(request.user, request.POST.get("new_password", ""))
            except AccountError as failure:
                error = problem_text(failure)
            else:
                update_session_auth_hash(request, request.user)
                messages.success(request, _("Your password was changed. / Đã đổi mật khẩu."))
                return redirect("home")
    return render(request, "accounts/password_change.html", {"error": error}, status=422 if error else 200)


__all__ = ["PermissionDenied"]
