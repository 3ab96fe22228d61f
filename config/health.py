"""Liveness and readiness endpoints for the orchestrator (docker compose health checks).

/healthz answers as long as the process serves requests; /readyz also checks
that the database answers and the Celery broker accepts a connection. Both are
served by HealthCheckMiddleware, first in MIDDLEWARE.
"""

import logging
from datetime import datetime

from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from config.celery import HEARTBEAT_CACHE_KEY, app

logger = logging.getLogger(__name__)


@require_safe
@never_cache
def healthz(request):
    return JsonResponse({"status": "ok"})


def _check_database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any driver error means "not ready"
        logger.exception("readiness: the database does not answer")
        return "error"
    return None


def _check_broker() -> str | None:
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception:
        logger.exception("readiness: the broker does not answer")
        return "error"
    return None


def _heartbeat_age_seconds() -> int | None:
    try:
        mark = cache.get(HEARTBEAT_CACHE_KEY)
    except Exception:
        return None
    if not mark:
        return None
    return int((timezone.now() - datetime.fromisoformat(mark)).total_seconds())


@require_safe
@never_cache
def readyz(request):
    checks = {"database": _check_database(), "broker": _check_broker()}
    ready = all(error is None for error in checks.values())
    body = {
        "status": "ok" if ready else "unavailable",
        "checks": {name: error or "ok" for name, error in checks.items()},
        # Informational: a stale heartbeat means beat or the worker is down.
        "worker_heartbeat_age_seconds": _heartbeat_age_seconds(),
    }
    return JsonResponse(body, status=200 if ready else 503)


class HealthCheckMiddleware:
    """Answer /healthz and /readyz before host validation and the HTTPS redirect.

    Orchestrators probe the container by its IP over plain HTTP, a host name that
    ALLOWED_HOSTS rightly refuses. The answers say only "ok" or "error" per check;
    the reason goes to the log.
    """

    ROUTES = {"/healthz": healthz, "/readyz": readyz}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        view = self.ROUTES.get(request.path_info)
        if view is not None:
            return view(request)
        return self.get_response(request)
