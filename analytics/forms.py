"""The dashboards' pickers and the CSV export's parameters, read from the address.

A picker that is not valid is named above the page and left at its default; the export
refuses bad parameters outright (400), since a file of the wrong figures looks right.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from analytics.dimensions import ALL
from analytics.models import CustomerScore, Snapshot

DEFAULT_PERIOD = "month"
CALENDAR_PERIODS = [
    ("week", _("Week")),
    ("month", _("Month")),
    ("quarter", _("Quarter")),
    ("year", _("Year")),
]
# The survey metrics are also kept over the trailing 30 and 90 days.
SURVEY_PERIODS = CALENDAR_PERIODS + [
    ("trailing30", _("Last 30 days")),
    ("trailing90", _("Last 90 days")),
]


class _AddressForm(forms.Form):
    """A form read from the query string, whose errors are listed above the page."""

    def error_list(self) -> list[tuple[str, list[str]]]:
        """[(field label, messages)] for partials/_filter_errors.html."""
        return [
            (self.fields[name].label if name in self.fields else "", errors)
            for name, errors in self.errors.items()
        ]


class DashboardFilterForm(_AddressForm):
    """The period type and the group of customers a dashboard shows."""

    period = forms.ChoiceField(label=_("Period"), required=False)
    dimension = forms.ChoiceField(label=_("Customers"), required=False)

    def __init__(self, *args, periods: list, dimensions: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period"].choices = periods
        self.fields["dimension"].choices = dimensions

    def picked(self) -> tuple[str, str]:
        """(period type, dimension): the valid choices, else the defaults."""
        self.is_valid()
        data = self.cleaned_data
        return data.get("period") or DEFAULT_PERIOD, data.get("dimension") or ALL


class ExportForm(_AddressForm):
    """One metric's stored rows for one period type and dimension, optionally between two
    period starts."""

    metric = forms.ChoiceField(label=_("Metric"))
    period = forms.ChoiceField(
        label=_("Period"), choices=Snapshot.PeriodType.choices, required=False
    )
    dimension = forms.ChoiceField(label=_("Customers"), required=False)
    start = forms.DateField(label=_("From"), required=False, input_formats=["%Y-%m-%d"])
    end = forms.DateField(label=_("To"), required=False, input_formats=["%Y-%m-%d"])

    def __init__(self, *args, metrics: list[tuple[str, str]], dimensions: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["metric"].choices = metrics
        self.fields["dimension"].choices = dimensions

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", _("The end is before the start."))
        data["period"] = data.get("period") or DEFAULT_PERIOD
        data["dimension"] = data.get("dimension") or ALL
        return data


class AtRiskForm(_AddressForm):
    """The predictive page's list: which risk bands, in which order."""

    SORTS = [
        ("revenue", _("Lifetime revenue")),
        ("clv", _("Predictive CLV")),
        ("p_alive", _("P(alive), lowest first")),
        ("last_order", _("Last order, oldest first")),
        ("orders", _("Order days")),
    ]
    DEFAULT_RISKS = ["high"]

    risk = forms.MultipleChoiceField(
        label=_("Churn risk"),
        choices=list(reversed(CustomerScore.Risk.choices)),  # high first
        required=False,
    )
    sort = forms.ChoiceField(label=_("Sort by"), choices=SORTS, required=False)

    def picked(self) -> tuple[list[str], str]:
        """(risk bands, sort key): the valid choices (an unknown band among known ones
        leaves the known ones), else the defaults."""
        self.is_valid()
        data = self.cleaned_data
        risks = data.get("risk")
        if risks is None and hasattr(self.data, "getlist"):
            known = dict(self.fields["risk"].choices)
            risks = [value for value in self.data.getlist("risk") if value in known]
        return risks or self.DEFAULT_RISKS, data.get("sort") or "revenue"
