from datetime import date

from django.utils import timezone
from ninja import Router, Schema
from ninja.errors import HttpError

from cancuoc.accounts.permissions import NotFound

from . import selectors
from .access import access_unit_by_id

router = Router(tags=["units"])


class UnitOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    level: int
    structure: str
    parent_id: int | None
    valid_from: date | None
    valid_to: date | None


@router.get("/search", response=list[UnitOut], summary="Type-ahead search over all units")
def search(request, q: str = "", limit: int = 20, in_force_on: date | None = None):
    if not 1 <= limit <= 100:
        raise HttpError(422, "limit must be between 1 and 100 / limit phải từ 1 đến 100")
    return selectors.search_units(q[:100], limit=limit, in_force_on=in_force_on)


@router.get("/{int:unit_id}", response=UnitOut)
def unit_detail(request, unit_id: int):
    return access_unit_by_id(request.user, unit_id)


@router.get("/{int:unit_id}/children", response=list[UnitOut])
def unit_children(request, unit_id: int):
    return list(selectors.children(access_unit_by_id(request.user, unit_id)))


@router.get("/{int:unit_id}/resolve", response=list[UnitOut], summary="Today's unit(s) for an old unit")
def resolve(request, unit_id: int, on: date | None = None):
    unit = access_unit_by_id(request.user, unit_id)
    try:
        return selectors.resolve_to_units_in_force(unit, on or timezone.localdate())
    except OverflowError as error:
        raise NotFound() from error


class AddressResolution(Schema):
    named: UnitOut | None
    in_force: list[UnitOut]


@router.get(
    "/resolve-address",
    response=AddressResolution,
    summary="Today's unit(s) for an address written on an old card",
)
def resolve_address(request, text: str, on: date | None = None):
    named, in_force = selectors.resolve_address_text(text[:300], on or timezone.localdate())
    return {"named": named, "in_force": in_force}
