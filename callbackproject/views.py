from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.defaults import page_not_found
from kombu.exceptions import OperationalError
from redis.exceptions import RedisError

from .base.cache import cache_reachable
from .celery import app


def health(request):
    """Each dependency's state for load balancers and operators.

    200 while bookings can be taken, which needs only the database: without the cache
    throttles let requests through, without the broker the beat picks work up from the rows
    (``degraded``). 503 when the database does not answer.
    """
    report = {"database": _database(), "cache": "ok" if cache_reachable() else "unreachable", "broker": _broker()}
    if report["database"] != "ok":
        return JsonResponse({"status": "error", **report}, status=503)
    return JsonResponse({"status": "ok" if set(report.values()) == {"ok"} else "degraded", **report})


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return "unreachable"
    return "ok"


def _broker() -> str:
    try:
        with app.connection_for_write() as broker:
            broker.ensure_connection(max_retries=0, timeout=1)
    except (OperationalError, RedisError, OSError):
        return "unreachable"
    return "ok"


def not_found(request, exception):
    """API clients get JSON for a path no view matches (a malformed id); people get the HTML page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return page_not_found(request, exception)
