"""Officers and other users, each with a role and a unit subtree that bounds what they see."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    COMMUNE_OFFICER = "commune_officer", _("Commune police officer")
    SUPERVISOR = "supervisor", _("District/province supervisor")
    PRODUCTION_OPERATOR = "production_operator", _("Card production centre operator")
    NATIONAL_ADMIN = "national_admin", _("National administrator")
    AUDITOR = "auditor", _("Auditor")


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=32, choices=Role.choices, default=Role.COMMUNE_OFFICER)
    unit = models.ForeignKey(
        "units.AdministrativeUnit",
        verbose_name=_("area"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text=_("The unit subtree this user works in; empty means nationwide"),
    )
    must_change_password = models.BooleanField(
        _("must change password"), default=False,
        help_text=_("Set when a manager resets the password: the officer chooses a new one at the next log-in"),
    )  # fmt: skip

    class Meta:
        constraints = [
            # Only national roles may work without an area: a commune officer or supervisor with no
            # unit would otherwise see the whole country.
            models.CheckConstraint(
                condition=models.Q(unit__isnull=False)
                | models.Q(role__in=["national_admin", "auditor", "production_operator"]),
                name="user_area_required_for_local_roles",
            )
        ]

    def get_full_name(self) -> str:
        """Vietnamese order: family and middle names (``last_name``) before the given name."""
        return " ".join(part for part in (self.last_name, self.first_name) if part)

    @property
    def scope_path(self) -> str | None:
        """The path prefix of this user's area, or None for nationwide (for display; permission decisions
        go through ``accounts.permissions``)."""
        return self.unit.path if self.unit_id else None


# Roles that work within an area must have one (the database constraint above says the same).
AREA_ROLES = frozenset({Role.COMMUNE_OFFICER, Role.SUPERVISOR})
