"""Probes for load balancers: /healthz says the process runs, /readyz that the database answers
and, at a region deployed on its own, that it follows the console's revocation feed."""

from django.conf import settings
from django.db import connection
from django.db.utils import DatabaseError
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    if settings.CAAS_ROLE == "regional":
        return _regional_readiness()
    return JsonResponse({"status": "ok", "database": "ok"})


def _regional_readiness() -> JsonResponse:
    from regional.edge.state import edge

    edge.start()
    staleness = edge.staleness()
    state = "connecting" if staleness is None else "following" if edge.fresh() else "stale"
    feed = {
        "state": state,
        "seconds_since_contact": None if staleness is None else round(staleness, 3),
        "max_staleness_seconds": settings.CAAS_REVOCATION_MAX_STALENESS,
        "cursor": edge.cursor,
        **({"error": edge.error} if edge.error else {}),
    }
    ready = state == "following"
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "database": "ok", "region": settings.CAAS_REGION, "feed": feed},
        status=200 if ready else 503,
    )
