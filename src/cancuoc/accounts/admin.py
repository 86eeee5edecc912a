"""Django's admin for national administrators. Adding a user asks for the role and the area (the database
requires an area for local roles), and every save names the acting admin for the audit log."""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import UserCreationForm

from .models import AREA_ROLES, User
from .signals import audit_as

ADMIN_REASON = "Django admin"


class UnitInForceField(forms.ModelChoiceField):
    """Units in force, shown by name and code (a bare id box let "00025" pick the unit whose id is 25)."""

    def label_from_instance(self, unit) -> str:
        return f"{unit.name} ({unit.code})"


def _unit_field() -> UnitInForceField:
    from cancuoc.units.models import AdministrativeUnit, Level

    units = AdministrativeUnit.objects.filter(valid_to__isnull=True, level__in=[Level.PROVINCE, Level.COMMUNE])
    return UnitInForceField(queryset=units.order_by("level", "name_folded"), required=False,
                            label="Địa bàn / area")  # fmt: skip


def _check_area(form: forms.ModelForm, cleaned: dict) -> dict:
    role, unit = cleaned.get("role"), cleaned.get("unit")
    if role == "commune_officer" and unit is not None and unit.level != 3:
        form.add_error("unit", "Cán bộ công an xã phải gắn với một xã / a commune officer's area is a commune")
    if role in AREA_ROLES and unit is None:
        form.add_error("unit", "Vai trò này phải có địa bàn / this role needs an area")
    if role is not None and role not in AREA_ROLES and unit is not None:
        form.add_error("unit", "Vai trò toàn quốc không gắn với địa bàn / a national role has no area")
    return cleaned


class CancuocUserCreationForm(UserCreationForm):
    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "role", "unit")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"] = _unit_field()

    def clean(self):
        return _check_area(self, super().clean())

    def save(self, commit=True):
        user = super().save(commit=False)
        user.must_change_password = True  # the admin typed this password: the officer chooses their own
        if commit:
            user.save()
        return user


class CancuocUserChangeForm(forms.ModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "unit" in self.fields:
            self.fields["unit"] = _unit_field()

    def clean(self):
        return _check_area(self, super().clean())


@admin.register(User)
class CancuocUserAdmin(UserAdmin):
    add_form = CancuocUserCreationForm
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("username", "role", "unit", "password1", "password2")}),)
    fieldsets = (*UserAdmin.fieldsets, ("cancuoc", {"fields": ("role", "unit", "must_change_password")}))
    list_display = ("username", "role", "unit", "is_active")

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is not None:  # the change form checks the area rule too, instead of failing at the database
            form = type("CheckedUserChangeForm", (form, CancuocUserChangeForm), {})
        return form

    def save_model(self, request, obj, form, change):
        audit_as(obj, request.user, ADMIN_REASON)
        super().save_model(request, obj, form, change)
