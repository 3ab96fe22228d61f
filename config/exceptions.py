"""One error language for services, pages and the API (STYLE.md rule 5).

Services raise Django's ValidationError or ApplicationError. The API turns
every error into the same JSON body:

    {"code": "invalid", "message": "Check the highlighted fields.", "fields": {"email": ["..."]}}
"""

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

logger = logging.getLogger("django.request")


class ApplicationError(Exception):
    """A business rule refused the request; `code` is stable, `message` is for people."""

    def __init__(self, code: str, message: str, fields: dict | None = None, status_code: int = 400):
        super().__init__(message)
        self.code = code
        self.message = message
        self.fields = fields or {}
        self.status_code = status_code


def validation_error_fields(error: DjangoValidationError) -> dict[str, list[str]]:
    """Django's ValidationError as {field: [messages]}; non-field errors go under
    "non_field_errors"."""
    if hasattr(error, "error_dict"):
        return {
            ("non_field_errors" if field == "__all__" else field): messages
            for field, messages in error.message_dict.items()
        }
    return {"non_field_errors": list(error.messages)}


def _flatten(detail) -> dict | list:
    if isinstance(detail, dict):
        return {key: _flatten(value) for key, value in detail.items()}
    if isinstance(detail, list):
        if all(isinstance(item, str) for item in detail):
            return [str(item) for item in detail]
        return [_flatten(item) for item in detail]
    return [str(detail)]


def api_exception_handler(exc, context):
    """Every exception raised in an API view as `{code, message, fields}` JSON.

    Bugs answer 500 in the same shape (with DEBUG too) after logging the traceback.
    """
    if isinstance(exc, RequestDataTooBig):
        body = {"code": "request_too_large", "message": _("The request body is too large.")}
        return Response({**body, "fields": {}}, status=413)
    if isinstance(exc, SuspiciousOperation):
        exc = exceptions.ParseError(_("The request could not be read."))
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(validation_error_fields(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    if isinstance(exc, ApplicationError):
        body = {"code": exc.code, "message": exc.message, "fields": exc.fields}
        return Response(body, status=exc.status_code)

    response = exception_handler(exc, context)
    if response is None:  # a bug: log it with its traceback, answer in the API's shape
        request = context.get("request")
        logger.error(
            "Internal Server Error: %s",
            getattr(request, "path", "?"),
            exc_info=exc,
            extra={"status_code": 500},
        )
        body = {
            "code": "server_error",
            "message": _("Something went wrong on our side; it has been logged."),
            "fields": {},
        }
        response = Response(body, status=status.HTTP_500_INTERNAL_SERVER_ERROR)
        response._has_been_logged = True  # Django would log the 500 a second time
        return response

    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        response.data = {
            "code": "invalid",
            "message": _("The request has invalid fields; see fields for details."),
            "fields": _flatten(detail),
        }
        response.status_code = status.HTTP_400_BAD_REQUEST
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        response.data = {
            "code": code if isinstance(code, str) else "error",
            "message": str(detail),
            "fields": {},
        }
    return response
