"""The searches and filters of customers and cases, shared by the pages and the API
(django-filter)."""

import re

import django_filters
from django import forms
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from config.validation import whole_number
from crm.models import Case, Customer, Segment, Tag, Team
from crm.segments import rule_q
from crm.selectors import case_assignee_choices, customer_status_q, overdue_q, owner_choices


class NullsLastOrderingFilter(django_filters.OrderingFilter):
    """Ordering where customers without orders (no last order) come last in both
    directions, on PostgreSQL and SQLite alike; the id breaks ties in the same direction,
    so an index on (field, id) serves the page whichever way it is read."""

    def get_ordering_value(self, param):
        descending = param.startswith("-")
        name = self.param_map.get(param.lstrip("-"), param.lstrip("-"))
        field = F(name)
        if not Customer._meta.get_field(name).null:
            return field.desc() if descending else field.asc()
        return field.desc(nulls_last=True) if descending else field.asc(nulls_last=True)

    def filter(self, qs, value):
        qs = super().filter(qs, value)
        if not value:
            return qs
        descending = value[0].startswith("-")
        return qs.order_by(*qs.query.order_by, "-id" if descending else "id")


def customer_search(queryset, text: str):
    """Every word must match a name, email, company or external id; digits also a phone.

    The customer list, the API's `q` and the top bar's quick search share this rule.
    A text of digits and phone punctuation only ("2912 34", "+371 29-12") is one phone
    fragment, however it is spaced.
    """
    if re.fullmatch(r"[\d\s+()./-]+", text.strip() or "x"):
        digits = re.sub(r"\D", "", text)
        if len(digits) >= 3:
            return queryset.filter(Q(phone__contains=digits) | Q(external_id__iexact=text.strip()))
    for term in text.split()[:8]:
        match = (
            Q(first_name__icontains=term)
            | Q(last_name__icontains=term)
            | Q(email__icontains=term)
            | Q(company__icontains=term)
            | Q(external_id__iexact=term)
        )
        digits = re.sub(r"\D", "", term)
        if len(digits) >= 3:
            match |= Q(phone__contains=digits)
        queryset = queryset.filter(match)
    return queryset


STATUS_CHOICES = [("active", _("Active")), ("lapsed", _("Lapsed")), ("closed", _("Closed"))]


class CustomerFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_search",
        max_length=200,
        label=_("Search"),
        help_text=_("Name, email, company or part of a phone number."),
    )
    status = django_filters.ChoiceFilter(
        choices=STATUS_CHOICES,
        method="filter_status",
        label=_("Status"),
        empty_label=_("Any status"),
    )
    tag = django_filters.ModelChoiceFilter(
        field_name="tags", queryset=Tag.objects.all(), label=_("Tag"), empty_label=_("Any tag")
    )
    country = django_filters.ChoiceFilter(
        choices=countries, label=_("Country"), empty_label=_("Any country")
    )
    language = django_filters.ChoiceFilter(
        choices=Customer._meta.get_field("language").choices,
        label=_("Language"),
        empty_label=_("Any language"),
    )
    owner = django_filters.ModelChoiceFilter(
        queryset=owner_choices(), label=_("Owner"), empty_label=_("Any owner")
    )
    segment = extend_schema_field(OpenApiTypes.INT)(
        django_filters.ModelChoiceFilter(
            queryset=Segment.objects.order_by("name"),
            method="filter_segment",
            label=_("Segment"),
            empty_label=_("Any segment"),
        )
    )
    since_from = django_filters.DateFilter(
        field_name="customer_since", lookup_expr="gte", label=_("Customer since (from)")
    )
    since_to = django_filters.DateFilter(
        field_name="customer_since", lookup_expr="lte", label=_("Customer since (to)")
    )
    ordering = NullsLastOrderingFilter(
        fields=(
            ("last_name", "name"),
            ("customer_since", "customer_since"),
            ("last_order_at", "last_order"),
            ("order_count", "orders"),
            ("revenue", "revenue"),
            ("created_at", "created"),
        ),
        field_labels={
            "last_name": _("Name"),
            "customer_since": _("Customer since"),
            "last_order_at": _("Last order"),
            "order_count": _("Orders"),
            "revenue": _("Revenue"),
            "created_at": _("Created"),
        },
        label=_("Sort by"),
        empty_label=_("Name (default)"),
    )

    class Meta:
        model = Customer
        fields = ["q", "status", "tag", "country", "language", "owner"]

    def filter_search(self, queryset, name, value):
        return customer_search(queryset, value)

    def filter_status(self, queryset, name, value):
        return queryset.filter(customer_status_q(value))

    def filter_segment(self, queryset, name, value):
        return queryset.filter(rule_q(value.rule))


def case_search(queryset, text: str):
    """A case number ("C-1042", "1042") finds that case; other words must each match
    the subject or the customer's name, email or company."""
    number = whole_number(text.strip().upper().removeprefix("C").lstrip("-# "), max_digits=9)
    if number is not None:
        return queryset.filter(number=number)
    for term in text.split()[:8]:
        queryset = queryset.filter(
            Q(subject__icontains=term)
            | Q(customer__first_name__icontains=term)
            | Q(customer__last_name__icontains=term)
            | Q(customer__email__icontains=term)
            | Q(customer__company__icontains=term)
        )
    return queryset


class AssigneeFilter(django_filters.ChoiceFilter):
    """ "me", "none" (unassigned) or a username of staff who work cases."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("choices", self._choices)
        super().__init__(*args, **kwargs)

    @staticmethod
    def _choices():
        people = [(u.username, u.get_full_name() or u.username) for u in case_assignee_choices()]
        return [("me", _("Me")), ("none", _("Unassigned")), *people]

    def filter(self, qs, value):
        if value in ("", None):
            return qs
        if value == "me":
            return qs.filter(assignee=self.parent.request.user)
        if value == "none":
            return qs.filter(assignee=None)
        return qs.filter(assignee__username=value)


class IdFilter(django_filters.NumberFilter):
    """A row id: a whole number the database can hold (1.5 or 10**20 is an error)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


CASE_STATUS_CHOICES = [("all", _("All statuses")), *Case.Status.choices]


class CaseFilter(django_filters.FilterSet):
    """The queue's filters. Without a status, the queue shows the active cases
    (new, open, pending customer); "all" shows every case."""

    q = django_filters.CharFilter(
        method="filter_search",
        max_length=200,
        label=_("Search"),
        help_text=_("Case number, subject or customer."),
    )
    status = django_filters.ChoiceFilter(
        choices=CASE_STATUS_CHOICES,
        method="filter_status",
        label=_("Status"),
        empty_label=_("Active"),
    )
    priority = django_filters.ChoiceFilter(
        choices=Case.Priority.choices, label=_("Priority"), empty_label=_("Any priority")
    )
    assignee = AssigneeFilter(label=_("Assignee"), empty_label=_("Anyone"))
    team = django_filters.ModelChoiceFilter(
        queryset=Team.objects.order_by("name"), label=_("Team"), empty_label=_("Any team")
    )
    overdue = django_filters.ChoiceFilter(
        choices=[("true", _("Overdue only")), ("false", _("Not overdue"))],
        method="filter_overdue",
        label=_("Overdue only"),
    )
    customer = IdFilter(field_name="customer_id", label=_("Customer number"))
    ordering = django_filters.OrderingFilter(
        fields=(
            ("due_at", "due"),
            ("opened_at", "opened"),
            ("number", "number"),
            ("updated_at", "updated"),
        ),
        field_labels={
            "due_at": _("Due"),
            "opened_at": _("Opened"),
            "number": _("Number"),
            "updated_at": _("Updated"),
        },
        label=_("Sort by"),
        empty_label=_("Most urgent (default)"),
    )

    class Meta:
        model = Case
        fields = ["q", "status", "priority", "assignee", "team", "overdue", "customer"]

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("status"):
            # The default shows only cases someone has to act on.
            queryset = queryset.filter(status__in=Case.ACTIVE)
        return queryset

    def filter_search(self, queryset, name, value):
        return case_search(queryset, value)

    def filter_status(self, queryset, name, value):
        if value == "all":
            return queryset
        return queryset.filter(status=value)

    def filter_overdue(self, queryset, name, value):
        return queryset.filter(overdue_q()) if value == "true" else queryset.exclude(overdue_q())


def filterset_with_valid_filters(filter_class, data, queryset, **kwargs):
    """The filterset of `data`'s valid filters, and the invalid ones as (label, messages)
    in the user's language. An invalid sort or date must not empty a list: it is named,
    and the rows of the other filters still show. Pages and the exports share this."""
    filterset = filter_class(data, queryset=queryset, **kwargs)
    if filterset.is_valid():
        return filterset, []
    form = filterset.form
    errors = [
        (str(form.fields[name].label) if name in form.fields else name, list(messages))
        for name, messages in form.errors.items()
    ]
    valid = data.copy()
    for name in form.errors:
        valid.pop(name, None)
    filterset = filter_class(valid, queryset=queryset, **kwargs)
    filterset.is_valid()
    return filterset, errors
