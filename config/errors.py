"""Error answers outside the views: unknown paths, refused bodies, CSRF failures, crashes.

Under `/api/` every answer is JSON in the API's one shape (`code`, `message`,
`fields`), whatever failed and wherever it failed (URL resolution, a middleware, a
body Django refused to read); pages get a short HTML page in the site's layout.
Wired as `handler400/403/404/500` in `config/urls.py`, `CSRF_FAILURE_VIEW` in the
settings and `RequestBodyLimitMiddleware` in `MIDDLEWARE`.
"""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, requires_csrf_token

API_PREFIX = "/api/"


def is_api_request(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def api_error(code: str, message: str, status: int, fields: dict | None = None) -> JsonResponse:
    """The API's error body, for answers produced outside DRF."""
    return JsonResponse({"code": code, "message": message, "fields": fields or {}}, status=status)


def _page(request, template: str, status: int, context: dict | None = None) -> HttpResponse:
    try:
        body = loader.render_to_string(template, context or {}, request)
    except Exception:  # the layout itself failed (a crash page must still answer)
        body = f"<!doctype html><title>{status}</title><h1>{status}</h1>"
    return HttpResponse(body, status=status)


@requires_csrf_token
def bad_request(request, exception=None):
    if isinstance(exception, RequestDataTooBig):  # form fields of a multipart body
        return request_too_large(request)
    if is_api_request(request):
        return api_error("bad_request", _("The request could not be read."), 400)
    return _page(request, "errors/400.html", 400)


@requires_csrf_token
def permission_denied(request, exception=None):
    if is_api_request(request):
        return api_error(
            "permission_denied", _("You do not have permission to perform this action."), 403
        )
    return _page(request, "errors/403.html", 403)


@requires_csrf_token
def page_not_found(request, exception=None):
    if is_api_request(request):
        return api_error("not_found", _("There is nothing at this address."), 404)
    return _page(request, "errors/404.html", 404)


@csrf_exempt  # nothing is written; a POST here is a 404, not a CSRF failure
def api_not_found(request, *args, **kwargs):
    return api_error("not_found", _("There is nothing at this address."), 404)


def server_error(request):
    # No context processors or database here: whatever broke may break them too.
    if is_api_request(request):
        return api_error(
            "server_error", _("Something went wrong on our side; it has been logged."), 500
        )
    try:
        body = loader.get_template("errors/500.html").render()
    except Exception:
        body = "<!doctype html><title>500</title><h1>500</h1>"
    return HttpResponse(body, status=500)


def csrf_failure(request, reason=""):
    if is_api_request(request):
        return api_error(
            "csrf_failed",
            _("The CSRF check failed: send the X-CSRFToken header with session logins."),
            403,
        )
    return _page(request, "errors/403_csrf.html", 403)


def request_too_large(request) -> HttpResponse:
    limit_kb = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 1024
    message = _("The request body is too large (at most %(kb)s KB).") % {"kb": f"{limit_kb:,}"}
    if is_api_request(request):
        return api_error("request_too_large", message, 413)
    return _page(request, "errors/413.html", 413, {"message": message})


class RequestBodyLimitMiddleware:
    """Refuse a body over REQUEST_BODY_MAX_BYTES with 413 before anything reads it.

    Django itself would refuse it only when a view reads `request.body`, as a
    400 HTML page; DRF reads the stream directly and would parse any size. The
    limit holds for multipart bodies too; a view marked with `large_body(SETTING)`
    (the CSV import page) takes up to that setting instead.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if length < 0:
            if is_api_request(request):
                return api_error("bad_request", _("The Content-Length header is invalid."), 400)
            return _page(request, "errors/400.html", 400)
        if length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE and length > _view_limit(request):
            return request_too_large(request)
        return self.get_response(request)


def large_body(setting: str):
    """Let one view take bodies up to the size in `setting` (an upload page), instead of
    REQUEST_BODY_MAX_BYTES. Put it outermost, above the other decorators."""

    def decorate(view):
        view.request_body_max_setting = setting
        return view

    return decorate


def _view_limit(request) -> int:
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    setting = getattr(match.func, "request_body_max_setting", None)
    return getattr(settings, setting) if setting else settings.DATA_UPLOAD_MAX_MEMORY_SIZE
