"""The customer search and filters shared by the list page and the API (django-filter)."""

import re

import django_filters
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from crm.models import Customer, Tag
from crm.selectors import customer_status_q, owner_choices


class NullsLastOrderingFilter(django_filters.OrderingFilter):
    """Ordering where customers without orders (NULL aggregates) come last in both
    directions, on PostgreSQL and SQLite alike; the id breaks ties for stable pages."""

    def get_ordering_value(self, param):
        descending = param.startswith("-")
        field = F(self.param_map.get(param.lstrip("-"), param.lstrip("-")))
        return field.desc(nulls_last=True) if descending else field.asc(nulls_last=True)

    def filter(self, qs, value):
        qs = super().filter(qs, value)
        return qs.order_by(*qs.query.order_by, "id") if value else qs


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
