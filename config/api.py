"""API plumbing every app's API shares: a JSON parser that cannot be crashed, input
serializers that refuse unknown fields, and pagination with a bounded `page_size`."""

import json

from django.conf import settings
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.filters import OrderingFilter
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
        except json.JSONDecodeError as exc:
            raise ParseError(
                _("The body is not valid JSON (line %(line)s, column %(column)s).")
                % {"line": exc.lineno, "column": exc.colno}
            ) from None
        except ValueError:  # a constant such as NaN, or a number with too many digits
            raise ParseError(_("The body is not valid JSON.")) from None
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
    # A body of a million unknown keys gets an answer of a few lines, not megabytes.
    max_unknown_reported = 20

    def to_internal_value(self, data):
        unknown = {}
        if hasattr(data, "keys"):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            names = [key for key in data.keys() if key not in writable]
            unknown = {
                str(key)[:100]: [str(self.unknown_field_message)]
                for key in names[: self.max_unknown_reported]
            }
            if len(names) > self.max_unknown_reported:
                more = len(names) - self.max_unknown_reported
                unknown["non_field_errors"] = [
                    _("…and %(n)s more unknown fields.") % {"n": f"{more:,}"}
                ]
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


class AwareDateTimeField(serializers.DateTimeField):
    """An ISO 8601 time that must carry its offset (`Z` or `+03:00`).

    A time without one would be read in the business time zone, where some local
    times happen twice (autumn) or never (spring, e.g. 03:30 on the last Sunday of
    March in Riga); the stored instant would then differ from the one meant.
    """

    default_error_messages = {
        "naive": gettext_lazy(
            "Give the time with its offset, e.g. 2026-03-29T10:30:00+03:00 or ...Z."
        ),
    }

    def to_internal_value(self, value):
        if isinstance(value, str):
            try:
                parsed = parse_datetime(value.strip())
            except ValueError:
                parsed = None  # the parent names the format
            if parsed is not None and parsed.tzinfo is None:
                self.fail("naive")
        return super().to_internal_value(value)


class IdField(serializers.PrimaryKeyRelatedField):
    """A related record by its whole-number id: `1.9`, `true` or `"1e3"` are refused
    (DRF's field would look up record 1 for 1.9), and an id beyond the database's
    integers is simply unknown."""

    def to_internal_value(self, data):
        text = data.strip() if isinstance(data, str) else data
        if isinstance(text, str) and text.isascii() and text.isdigit():
            text = int(text)
        if isinstance(text, bool) or not isinstance(text, int):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if not 0 < text < 2**63:
            self.fail("does_not_exist", pk_value=text)
        return super().to_internal_value(text)


class StrictOrderingFilter(OrderingFilter):
    """DRF's ordering, refusing a sort it does not know instead of ignoring it."""

    def get_ordering(self, request, queryset, view):
        raw = request.query_params.get(self.ordering_param)
        if raw:
            context = {"request": request}
            valid = {name for name, _label in self.get_valid_fields(queryset, view, context)}
            wrong = [term for term in raw.split(",") if term.strip().lstrip("-") not in valid]
            if wrong:
                raise ValidationError(
                    {
                        self.ordering_param: [
                            _("Sort by one of: %(choices)s (prefix - for descending).")
                            % {"choices": ", ".join(sorted(valid))}
                        ]
                    }
                )
        return super().get_ordering(request, queryset, view)


class KnownQueryParamsMixin:
    """List endpoints refuse query parameters they do not know (`?statu=active` would
    otherwise return everyone, looking like an answer)."""

    always_known = {"page", "page_size", "ordering", "format"}

    def list(self, request, *args, **kwargs):
        known = set(self.always_known)
        for backend in self.filter_backends:
            get_class = getattr(backend(), "get_filterset_class", None)
            filterset_class = get_class(self, self.get_queryset()) if get_class else None
            if filterset_class is not None:
                known |= set(filterset_class.base_filters)
        unknown = sorted(set(request.query_params) - known)
        if unknown:
            raise ValidationError(
                {name[:100]: [_("Unknown query parameter.")] for name in unknown[:20]}
            )
        return super().list(request, *args, **kwargs)
