"""The client address behind the configured number of reverse proxies."""

from django.conf import settings


def client_ip(request) -> str | None:
    """The address django-axes locks out: REMOTE_ADDR, or with PROXY_COUNT proxies in
    front, the entry they appended to X-Forwarded-For.

    Entries left of that one come from the client and are never trusted, so a
    forged header cannot pick the address that gets locked.
    """
    count = settings.PROXY_COUNT
    if count:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        hops = [h for h in hops if h]
        if len(hops) >= count:
            return hops[-count]
    return request.META.get("REMOTE_ADDR")
