"""Staff-change history (django-auditlog): who, when, from which address."""

from auditlog.middleware import AuditlogMiddleware
from django.utils.functional import SimpleLazyObject

from config.security import client_ip


class HistoryMiddleware(AuditlogMiddleware):
    """django-auditlog's middleware with Retain's idea of the client and the user.

    The address is the one django-axes locks (config.security.client_ip: behind
    PROXY_COUNT proxies, never a forgeable X-Forwarded-For entry). The user is looked
    up when a change is logged, not when the request starts, so an API call
    authenticated by token (inside the DRF view) is attributed too.
    """

    @staticmethod
    def _get_remote_addr(request):
        return client_ip(request)

    @staticmethod
    def _get_actor(request):
        return SimpleLazyObject(lambda: getattr(request, "user", None))
