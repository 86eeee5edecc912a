"""The relying parties' API, authenticated by API key (``Authorization: Bearer KEY``), never by a session:

- ``POST /api/v1/status``: one card's status for a caller who proves holding it, signed;
- ``GET /api/v1/status-list``: the signed list of cards that are not valid, for offline verifiers;
- ``GET /api/v1/status/keys``: the status-signing public keys (no key needed).

The routes read the body and the header themselves, so that every refusal has the API's error shape
``{"code", "message_vi", "message_en"}`` and its own status (400, 401, 403, 404, 422, 429), never a 500.
The path of a status query is one cached key check, a counter in the process (``ratelimits``), one indexed query, one
ECDSA signature and one audit entry (``querylog``).
"""

from __future__ import annotations

import json

from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from ninja import Router

from cancuoc.rules.cardstates import is_serial
from cancuoc.web import ratelimit
from cancuoc.web.ratelimit import RateLimited

from . import actions, apikeys, documents, events, ratelimits, selectors, signing
from .errors import RelyingError, RelyingErrorCode
from .models import Scope, StatusList

router = Router(tags=["relying"])
MAX_BODY = 4096
LIST_MAX_AGE_SECONDS = 600
KEY_FAILURES = (30, 60)  # wrong keys per client address a minute  # a list older than this is issued again when a party asks for it


def _refusal(error: RelyingError, **headers) -> JsonResponse:
    answer = JsonResponse(error.as_dict(), status=error.http_status, json_dumps_params={"ensure_ascii": False})
    for name, value in headers.items():
        answer[name.replace("_", "-")] = value
    return answer


def _party(request, scope: str):
    """The party of the request's key, counted against its rate; a RelyingError when refused."""
    key = apikeys.bearer(request.META.get("HTTP_AUTHORIZATION"))
    if key is None:
        raise RelyingError(RelyingErrorCode.KEY_MISSING)
    party = selectors.party_for_key(key)
    if party is None:
        _count_failure(request)
        raise RelyingError(RelyingErrorCode.KEY_INVALID)
    try:
        ratelimits.hit(party.key_id, party.rate_per_minute)
    except RateLimited as refused:
        error = RelyingError(RelyingErrorCode.RATE_LIMITED, rate=party.rate_per_minute,
                             retry_after=refused.retry_after)  # fmt: skip
        error.retry_after = refused.retry_after
        raise error from None
    if not party.allows(scope):
        raise RelyingError(RelyingErrorCode.SCOPE_MISSING, scope=scope)
    return party


def _count_failure(request) -> None:
    """Wrong keys are counted per client address: a client trying keys is slowed down (each try costs
    this server a query), though a 256-bit secret is not guessed."""
    try:
        ratelimit.hit("relying-key-failure", ratelimit.client_address(request), [ratelimit.Limit(*KEY_FAILURES)])
    except ratelimit.RateLimited as refused:
        error = RelyingError(RelyingErrorCode.RATE_LIMITED, rate=KEY_FAILURES[0], retry_after=refused.retry_after)
        error.retry_after = refused.retry_after
        raise error from None


def _headers_of(error: RelyingError) -> dict:
    if error.code is RelyingErrorCode.RATE_LIMITED:
        return {"Retry_After": str(getattr(error, "retry_after", 60))}
    if error.http_status == 401:
        return {"WWW_Authenticate": 'Bearer realm="cancuoc status"'}
    return {}


def _body(request) -> dict:
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = MAX_BODY + 1
    content_type = request.content_type or ""
    if declared > MAX_BODY or not (content_type == "application/json" or content_type.endswith("+json")):
        raise RelyingError(RelyingErrorCode.BODY_INVALID)
    try:
        body = json.loads(request.read(MAX_BODY + 1).decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise RelyingError(RelyingErrorCode.BODY_INVALID) from None
    if not isinstance(body, dict):
        raise RelyingError(RelyingErrorCode.BODY_INVALID)
    return body


def _query(body: dict) -> tuple[str, str, str, str | None]:
    """(serial, proof kind, proof hash, nonce) of a well-formed query."""
    serial = body.get("serial")
    serial = serial.strip().upper() if isinstance(serial, str) else ""
    if not is_serial(serial):
        raise RelyingError(RelyingErrorCode.SERIAL_INVALID)
    sent = [name for name in ("sod_sha256", "mrz") if body.get(name) not in (None, "")]
    if len(sent) != 1:
        raise RelyingError(RelyingErrorCode.PROOF_MISSING)
    kind = sent[0]
    proof = documents.sod_hash(body[kind]) if kind == "sod_sha256" else documents.mrz_hash(body[kind])
    if proof is None:
        raise RelyingError(RelyingErrorCode.PROOF_INVALID)
    nonce = body.get("nonce")
    if nonce is not None and documents.nonce(nonce) is None:
        raise RelyingError(RelyingErrorCode.NONCE_INVALID)
    return serial, kind, proof, nonce


@router.post("/status", auth=None, include_in_schema=True, summary="Card status (API key)")
def card_status(request):
    """``{"serial", "sod_sha256"}`` or ``{"serial", "mrz"}`` (optionally ``"nonce"``) → the signed status."""
    try:
        party = _party(request, Scope.STATUS)
        serial, kind, proof, nonce = _query(_body(request))
        now = timezone.now()
        found = selectors.card_status(serial, on=timezone.localdate(now),
                                      **({"sod_sha256": proof} if kind == "sod_sha256" else {"mrz_sha256": proof}))  # fmt: skip
        events.card_status_queried(party, serial=serial, unit_path=found.unit_path if found else "", proof=kind,
                                   answer=found.status.value if found else "unknown",
                                   address=request.META.get("REMOTE_ADDR", "")[:45])  # fmt: skip
        if found is None:
            raise RelyingError(RelyingErrorCode.CARD_UNKNOWN)
        answer = {"serial": serial, "status": found.status.value, "checked_at": documents.timestamp(now),
                  "proof": kind, "proof_sha256": proof}  # fmt: skip
        if nonce is not None:
            answer["nonce"] = nonce
        return JsonResponse(signing.sign(answer))
    except RelyingError as error:
        return _refusal(error, **_headers_of(error))


@router.get("/status/keys", auth=None, summary="Status-signing public keys")
def status_keys(request):
    """The public keys that sign status answers and lists, current first (PEM, SubjectPublicKeyInfo)."""
    try:
        keys = signing.published_keys()
    except RelyingError as error:
        return _refusal(error)
    return JsonResponse({"algorithm": documents.ALGORITHM, "keys": keys})


@router.get("/status-list", auth=None, summary="Signed list of cards that are not valid (API key)")
def status_list(request):
    try:
        party = _party(request, Scope.STATUS_LIST)
        latest = StatusList.objects.order_by("-issued_at", "-pk").first()
        now = timezone.now()
        if latest is None or (now - latest.issued_at).total_seconds() > LIST_MAX_AGE_SECONDS:
            latest = actions.issue_status_list(None, destination=f"GET /api/v1/status-list ({party.name})"[:200])
        events.status_list_downloaded(party, latest)
    except RelyingError as error:
        return _refusal(error, **_headers_of(error))
    return HttpResponse(latest.document, content_type="application/json")
