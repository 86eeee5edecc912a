"""May this user touch this application or station: an application belongs to its station's unit and to
the citizen's residence; a user reaches it when either lies in their area for the verb. Missing and
forbidden look the same (``NotFound``)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from cancuoc.accounts.permissions import NotFound, Scope, Verb, in_area, require_permission
from cancuoc.registry.access import citizen_in_area

from .models import Application, Station


def scope_applications(user, applications: QuerySet, verb: Verb = Verb.APPLICATION_READ) -> QuerySet:
    scope = require_permission(user, verb)
    if scope is Scope.NATIONAL:
        return applications
    return applications.filter(Q(unit_path__startswith=user.unit.path))


def application_in_area(user, application: Application, verb: Verb) -> bool:
    return in_area(user, verb, application.unit_path) or citizen_in_area(user, application.citizen, verb)


def access_application(user, code, verb: Verb = Verb.APPLICATION_READ) -> Application:
    require_permission(user, verb)
    if not isinstance(code, str) or not code.isalnum() or len(code) > 16:
        raise NotFound()
    application = (Application.objects.select_related("citizen", "station", "station__unit", "capture")
                   .filter(code=code.upper()).first())  # fmt: skip
    if application is None or not application_in_area(user, application, verb):
        raise NotFound()
    return application


def stations_for(user, verb: Verb = Verb.APPLICATION_CREATE) -> QuerySet:
    scope = require_permission(user, verb)
    stations = Station.objects.select_related("unit").filter(active=True)
    if scope is Scope.NATIONAL:
        return stations
    return stations.filter(unit__path__startswith=user.unit.path)


def access_station(user, code, verb: Verb = Verb.APPLICATION_CREATE) -> Station:
    station = stations_for(user, verb).filter(code=str(code)[:20]).first()
    if station is None:
        raise NotFound()
    return station
