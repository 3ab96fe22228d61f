"""API plumbing every app's API shares: a JSON parser that cannot be crashed, input
serializers that refuse unknown fields, and pagination with a bounded `page_size`."""

import json

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import JSONParser
from rest_framework.settings import api_settings
from rest_framework.utils import json as drf_json

from config.validation import json_depth

# Deeper than any body Retain accepts; the JSON library would recurse without end.
MAX_JSON_DEPTH = 32


class SafeJSONParser(JSONParser):
    """DRF's JSON parser, refusing documents nested deeper than MAX_JSON_DEPTH.

    The standard library parses nested arrays recursively: a body of ten
    thousand `[` raises RecursionError, which would be a 500. It is a bad
    request. Bodies over REQUEST_BODY_MAX_BYTES never reach here (413).
    """

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = stream.read().decode(encoding) if stream is not None else ""
        except (UnicodeDecodeError, LookupError):
            raise ParseError(
                _("The body is not valid %(charset)s text.") % {"charset": encoding}
            ) from None
        try:
            parse_constant = drf_json.strict_constant if api_settings.STRICT_JSON else None
            data = json.loads(text, parse_constant=parse_constant)
        except RecursionError:
            raise ParseError(_("The JSON body is nested too deeply.")) from None
        except ValueError as exc:
            raise ParseError(_("The body is not valid JSON: %(error)s") % {"error": exc}) from None
        if json_depth(data, MAX_JSON_DEPTH) > MAX_JSON_DEPTH:
            raise ParseError(_("The JSON body is nested too deeply."))
        return data


class InputSerializer(serializers.Serializer):
    """An input serializer that refuses fields it does not declare.

    DRF drops unknown keys silently, so a client sending `revenue` or `total`
    would believe it changed something. Every unknown key comes back as a field
    error naming it, together with any other field errors.
    """

    unknown_field_message = gettext_lazy("Unknown field: it cannot be set here.")

    def to_internal_value(self, data):
        unknown = {}
        if hasattr(data, "keys"):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            unknown = {
                key: [str(self.unknown_field_message)] for key in data.keys() if key not in writable
            }
        try:
            value = super().to_internal_value(data)
        except ValidationError as exc:
            if unknown and isinstance(exc.detail, dict):
                raise ValidationError({**exc.detail, **unknown}) from None
            raise
        if unknown:
            raise ValidationError(unknown)
        return value


class Pagination(PageNumberPagination):
    """Pages of PAGE_SIZE rows (50); `page_size` asks for 1 to MAX_PAGE_SIZE (200).
    A page size outside that range is a 400, not silently replaced."""

    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw in (None, ""):
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if not 1 <= size <= self.max_page_size:
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        _("Give a whole number from 1 to %(max)s.") % {"max": self.max_page_size}
                    ]
                }
            )
        return size
