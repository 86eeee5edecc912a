"""The permission table: role → verbs. Every page, API route and command asks ``has_permission`` or
``require_permission`` and nothing else; no code compares roles itself.

A verb is named ``domain:resource:action`` (as in pypi/warehouse). Each grant is **scoped**: an area-scoped
grant lets the user act on records in their unit subtree (``User.unit``), a national grant everywhere.
Whether one particular record lies in the area is the business of each domain's ``access`` module, which
asks ``in_area`` here. See docs/adr/0005-permissions.md.
"""

from __future__ import annotations

from enum import StrEnum

from .models import Role


class Verb(StrEnum):
    # population registry
    CITIZEN_READ = "registry:citizen:read"
    CITIZEN_CREATE = "registry:citizen:create"
    # names, birth date, sex, parents, ethnicity ...: the commune of permanent residence and above it
    CITIZEN_CHANGE_IDENTITY = "registry:citizen:change_identity"
    # temporary or current residence data: also the commune where the citizen only stays
    CITIZEN_CHANGE_RESIDENCE = "registry:citizen:change_residence"
    CITIZEN_EXPORT = "registry:citizen:export"
    HOUSEHOLD_READ = "registry:household:read"
    # create a household, move a member, change the head
    HOUSEHOLD_CHANGE = "registry:household:change"
    ID_NUMBER_ALLOCATE = "registry:id_number:allocate"
    ID_NUMBER_CANCEL = "registry:id_number:cancel"
    QUALITY_READ = "registry:quality:read"
    # data-quality decisions: merge two records of one person, dismiss a suspected duplicate
    QUALITY_RESOLVE = "registry:quality:resolve"
    # approve or reject a correction another officer asked for (maker-checker)
    CHANGE_DECIDE = "registry:change:decide"
    # imports
    IMPORT_CREATE = "imports:job:create"
    IMPORT_CONFIRM = "imports:job:confirm"
    # see and confirm the import jobs of the officers below
    IMPORT_SUPERVISE = "imports:job:supervise"
    # administrative units (public reference data, still behind a login)
    UNIT_READ = "units:unit:read"
    # audit log
    AUDIT_READ = "audit:entry:read"
    AUDIT_SEAL = "audit:chain:seal"
    # cards: personalisation signs with the national Document Signer key
    CARD_PERSONALISE = "cards:card:personalise"
    CARD_VERIFY = "cards:card:verify"
    PKI_MANAGE = "cards:pki:manage"
    PKI_PUBLISH = "cards:pki:publish"
    # biometrics: take a citizen's portrait and fingerprints (an officer may accept a failed portrait check
    # with a reason); check a holder 1:1 against what was enrolled (card hand-over, eID level 2)
    BIOMETRICS_CAPTURE = "biometrics:capture:create"
    BIOMETRICS_VERIFY = "biometrics:holder:verify"
    # delete a capture when the retention rule says so
    BIOMETRICS_DELETE = "biometrics:capture:delete"
    # the ABIS: search it (1:N), and insert into / delete from its gallery
    ABIS_SEARCH = "biometrics:abis:search"
    ABIS_MANAGE = "biometrics:abis:manage"
    # enrollment: take and read applications at a station; approve (maker-checker), decide suspected
    # duplicates, run stations (shifts, slots, officers)
    APPLICATION_CREATE = "enrollment:application:create"
    APPLICATION_READ = "enrollment:application:read"
    APPLICATION_APPROVE = "enrollment:application:approve"
    DUPLICATE_DECIDE = "enrollment:duplicate:decide"
    STATION_MANAGE = "enrollment:station:manage"
    # cards as records: read a card and its history; at the station, confirm receipt (scan), hand a card
    # over, suspend one reported lost; a supervisor revokes or confirms a loss
    CARD_READ = "cards:card:read"
    CARD_RECEIVE = "cards:card:receive"
    CARD_HANDOVER = "cards:card:handover"
    CARD_SUSPEND = "cards:card:suspend"
    CARD_REVOKE = "cards:card:revoke"
    # production centre: batches (create, run, resume, production file), quality control, dispatch
    PRODUCTION_RUN = "production:batch:run"
    PRODUCTION_QC = "production:card:qc"
    PRODUCTION_DISPATCH = "production:card:dispatch"
    # banks, hospitals, offices that query card status with an API key
    RELYING_PARTY_MANAGE = "cards:relying_party:manage"
    # campaigns: read coverage, outstanding lists and reports of the area; plan teams, record visit outcomes
    CAMPAIGN_READ = "campaigns:coverage:read"
    CAMPAIGN_PLAN = "campaigns:plan:change"
    VISIT_RECORD = "campaigns:visit:record"
    # officers
    USER_MANAGE = "accounts:user:manage"
    # the personal-data encryption key: rotate it, re-encrypt under it (national admins only)
    DATA_KEY_MANAGE = "protection:data_key:manage"


class Scope(StrEnum):
    AREA = "area"  # records under the user's unit
    NATIONAL = "national"  # every record; only granted to roles without an area


_AREA_OFFICER_VERBS = frozenset({
    Verb.CITIZEN_READ, Verb.CITIZEN_CREATE, Verb.CITIZEN_CHANGE_IDENTITY, Verb.CITIZEN_CHANGE_RESIDENCE,
    Verb.CITIZEN_EXPORT, Verb.HOUSEHOLD_READ, Verb.HOUSEHOLD_CHANGE, Verb.ID_NUMBER_ALLOCATE, Verb.QUALITY_READ, Verb.IMPORT_CREATE,
    Verb.IMPORT_CONFIRM, Verb.UNIT_READ, Verb.CARD_VERIFY, Verb.BIOMETRICS_CAPTURE, Verb.BIOMETRICS_VERIFY,
    Verb.APPLICATION_CREATE, Verb.APPLICATION_READ, Verb.CARD_READ, Verb.CARD_RECEIVE, Verb.CARD_HANDOVER,
    Verb.CARD_SUSPEND, Verb.CAMPAIGN_READ, Verb.VISIT_RECORD,
})  # fmt: skip

# role → {verb: scope}. A national role acts nationwide; area roles act within their unit subtree.
PERMISSIONS: dict[Role, dict[Verb, Scope]] = {
    Role.COMMUNE_OFFICER: dict.fromkeys(_AREA_OFFICER_VERBS, Scope.AREA),
    Role.SUPERVISOR: dict.fromkeys(_AREA_OFFICER_VERBS | {Verb.ID_NUMBER_CANCEL, Verb.QUALITY_RESOLVE, Verb.USER_MANAGE, Verb.IMPORT_SUPERVISE, Verb.CHANGE_DECIDE,
                                                   Verb.APPLICATION_APPROVE, Verb.DUPLICATE_DECIDE, Verb.STATION_MANAGE,
                                                   Verb.CARD_REVOKE, Verb.CAMPAIGN_PLAN}, Scope.AREA),
    Role.PRODUCTION_OPERATOR: dict.fromkeys(
        {Verb.CARD_PERSONALISE, Verb.CARD_VERIFY, Verb.PKI_PUBLISH, Verb.UNIT_READ, Verb.CARD_READ,
         Verb.PRODUCTION_RUN, Verb.PRODUCTION_QC, Verb.PRODUCTION_DISPATCH}, Scope.NATIONAL
    ),
    Role.NATIONAL_ADMIN: dict.fromkeys(Verb, Scope.NATIONAL),
    Role.AUDITOR: dict.fromkeys({Verb.AUDIT_READ, Verb.AUDIT_SEAL, Verb.UNIT_READ, Verb.CARD_VERIFY}, Scope.NATIONAL),
}

# Who may hand out which role when managing officers: never a role above one's own.
ASSIGNABLE_ROLES: dict[Role, tuple[Role, ...]] = {
    Role.SUPERVISOR: (Role.COMMUNE_OFFICER, Role.SUPERVISOR),
    Role.NATIONAL_ADMIN: tuple(Role),
}


class NotFound(Exception):
    """Missing or outside the user's area: the same answer for both."""


class PermissionDenied(Exception):
    """The user's role does not grant the verb at all (not about a particular record)."""

    def __init__(self, verb: Verb | None = None):
        super().__init__(str(verb or ""))
        self.verb = verb


def _role(user) -> Role | None:
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return None
    try:
        return Role(user.role)
    except ValueError:
        return None


def scope_of(user, verb: Verb) -> Scope | None:
    """How far ``verb`` reaches for this user, or None when it is not granted."""
    role = _role(user)
    if role is None:
        return None
    scope = PERMISSIONS.get(role, {}).get(verb)
    if scope is Scope.AREA and user.unit_id is None:
        return None  # an area role without an area sees nothing (also refused by a database constraint)
    return scope


def has_permission(user, verb: Verb) -> bool:
    return scope_of(user, verb) is not None


def require_permission(user, verb: Verb) -> Scope:
    scope = scope_of(user, verb)
    if scope is None:
        raise PermissionDenied(verb)
    return scope


def area_path(user, verb: Verb) -> str | None:
    """The unit-path prefix ``verb`` is confined to for this user: None for nationwide.
    Raises PermissionDenied when the verb is not granted."""
    scope = require_permission(user, verb)
    return None if scope is Scope.NATIONAL else user.unit.path


def in_area(user, verb: Verb, unit_path: str | None) -> bool:
    """Whether a record filed under ``unit_path`` is within the user's reach for ``verb``."""
    scope = scope_of(user, verb)
    if scope is None:
        return False
    if scope is Scope.NATIONAL:
        return True
    return bool(unit_path) and unit_path.startswith(user.unit.path)


def verbs_of(user) -> set[Verb]:
    role = _role(user)
    return set(PERMISSIONS.get(role, {})) if role else set()
