"""The campaign API (session, like the pages): coverage of a unit and its children, the outstanding list,
a visit's outcome, the station simulation. The shapes are those of the ``cancuoc campaign`` commands.
``CampaignError`` is answered here as ``{code, message_vi, message_en}`` until ``cancuoc/api.py`` maps it."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from cancuoc.accounts.permissions import Verb
from cancuoc.registry.validation import parse_date

from . import actions, events, selectors, simulation
from .access import access_area
from .errors import CampaignError
from .errors import CampaignErrorCode as Code

router = Router(tags=["campaigns"])
STATUS = {Code.UNIT_NOT_FOUND: 404, Code.CITIZEN_NOT_FOUND: 404, Code.TEAM_BUSY: 409}


def _error(request: HttpRequest, error: CampaignError):
    from cancuoc.api import api

    return api.create_response(request, error.as_dict(), status=STATUS.get(error.code, 422))


def _area(request, unit: str):
    area = selectors.find_area(unit)
    if area is None:
        raise CampaignError(Code.UNIT_NOT_FOUND, code=unit[:20])
    return access_area(request.user, area)


def _date(text: str | None) -> date | None:
    if not text:
        return None
    try:
        day = parse_date(text[:20])
    except (ValueError, TypeError):
        day = None
    if day is None:
        raise CampaignError(Code.DATE_INVALID, value=text[:20])
    return day


class CoverageQuery(Schema):
    unit: str = Field(max_length=20)
    on: str | None = Field(None, max_length=20)


class OutstandingQuery(Schema):
    unit: str = Field(max_length=20)
    reason: str = Field("", max_length=20)


class SimulationQuery(Schema):
    officers: int = Field(ge=1, le=500)
    minutes_per_application: float = Field(ge=0.5, le=240)  # the same bounds as the command's
    arrivals_per_hour: float = Field(ge=0, le=5000)
    hours: float = Field(ge=0.5, le=72)
    seed: int = Field(1, ge=0, le=2**31)


@router.get("/coverage")
def coverage(request, query: Query[CoverageQuery]):
    """``{unit, target, applications, approved, produced, handed_over, valid_cards, coverage, children}``;
    ``on`` (dd/mm/yyyy) other than today is recomputed from the records."""
    try:
        area = _area(request, query.unit)
        tree = selectors.coverage_tree(area, on=_date(query.on))
    except CampaignError as error:
        return _error(request, error)
    events.report_viewed(request.user, unit_path=area.path, what="coverage API")
    return tree


@router.get("/outstanding")
def outstanding(request, query: Query[OutstandingQuery]):
    """``{rows: [{id_number, reason, action}]}``."""
    try:
        area = _area(request, query.unit)
    except CampaignError as error:
        return _error(request, error)
    rows = selectors.outstanding(area, reason=query.reason)
    events.outstanding_exported(request.user, unit_path=area.path, what="outstanding API", count=len(rows))
    return {"rows": [row.as_dict() for row in rows]}


class VisitIn(Schema):
    id_number: str = Field(max_length=20)
    outcome: str = Field(max_length=20)
    visited_on: str | None = Field(None, max_length=20)
    note: str = Field("", max_length=300)
    moved_to: str = Field("", max_length=20)
    moved_address: str = Field("", max_length=200)
    died_on: str | None = Field(None, max_length=20, description="dd/mm/yyyy, required for the outcome dead")


@router.post("/visits")
def visit(request, body: VisitIn):
    """A door-to-door visit's outcome (header ``Idempotency-Key`` makes a repeat harmless)."""
    try:
        citizen = actions.find_citizen(request.user, body.id_number, Verb.VISIT_RECORD)
        recorded = actions.record_visit(request.user, citizen, body.outcome, visited_on=_date(body.visited_on),
                                        note=body.note, moved_to=body.moved_to, moved_address=body.moved_address,
                                        died_on=_date(body.died_on) if body.died_on else None,
                                        idempotency_key=request.headers.get("Idempotency-Key", "")[:80])  # fmt: skip
    except CampaignError as error:
        return _error(request, error)
    return {"id_number": citizen.id_number, "outcome": recorded.outcome,
            "visited_on": recorded.visited_on.strftime("%d/%m/%Y"), "change_request": recorded.change_request_id}  # fmt: skip


@router.get("/simulate")
def simulate(request, query: Query[SimulationQuery]):
    """``{served, waiting_p90_minutes, utilisation}`` of one simulated station day."""
    from cancuoc.accounts.permissions import require_permission

    require_permission(request.user, Verb.CAMPAIGN_READ)
    try:
        return simulation.simulate(**query.dict()).as_dict()
    except simulation.SimulationTooLarge as error:
        from ninja.errors import HttpError

        raise HttpError(422, f"arrivals_per_hour × hours ≤ {simulation.MAX_ARRIVALS} ({error.expected:.0f} asked)") from None
