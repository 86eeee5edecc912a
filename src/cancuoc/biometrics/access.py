"""May this user touch this capture: its citizen must lie in the user's area for the verb. A capture
that does not exist and one outside the area get the same ``NotFound``."""

from __future__ import annotations

from cancuoc.accounts.permissions import NotFound, Verb, require_permission
from cancuoc.registry.access import citizen_in_area

from .models import BiometricCapture


def access_capture(user, capture_id, verb: Verb = Verb.BIOMETRICS_CAPTURE) -> BiometricCapture:
    require_permission(user, verb)
    try:
        capture = BiometricCapture.objects.select_related("citizen").get(pk=int(capture_id))
    except (BiometricCapture.DoesNotExist, TypeError, ValueError, OverflowError):
        raise NotFound() from None
    if not citizen_in_area(user, capture.citizen, verb):
        raise NotFound()
    return capture
