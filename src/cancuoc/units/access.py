"""Administrative units are reference data: any user whose role reads units may open any of them."""

from cancuoc.accounts.permissions import NotFound, Verb, has_permission


def access_unit_by_id(user, unit_id: int):
    from .models import AdministrativeUnit

    unit = AdministrativeUnit.objects.filter(pk=unit_id).first() if has_permission(user, Verb.UNIT_READ) else None
    if unit is None:
        raise NotFound()
    return unit
