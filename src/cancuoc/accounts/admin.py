from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import User


@admin.register(User)
class CancuocUserAdmin(UserAdmin):
    fieldsets = (*UserAdmin.fieldsets, ("cancuoc", {"fields": ("role", "unit")}))
    list_display = ("username", "role", "unit", "is_active")
    raw_id_fields = ("unit",)
