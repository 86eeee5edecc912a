"""The health endpoint for the reverse proxy and monitoring: ``GET /healthz``.

No login and no personal data: it says only whether this process can reach the database. It is exempt
from the HTTPS redirect (settings) so that a monitor on the machine itself may ask over plain HTTP.
"""

from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe


@never_cache
@require_safe
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
