"""The marketing pages' forms: they check types, lengths and ranges; every business rule
(windows, unique names, what a rule kind takes) comes back from loyalty.services as
inline field errors."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from config.exceptions import ApplicationError
from crm.models import Order
from loyalty.models import MAX_POINTS, EarnRule, Programme, Tier
from loyalty.services.programme import PROGRAMME_FIELDS, REWARD_FIELDS, RULE_FIELDS, TIER_FIELDS


def _date_field(label, **kwargs) -> forms.DateField:
    return forms.DateField(
        label=label,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        **kwargs,
    )


def _points_field(label, *, required: bool = True, minimum: int = 0, **kwargs):
    return forms.IntegerField(
        label=label, required=required, min_value=minimum, max_value=MAX_POINTS, **kwargs
    )


class _ServiceForm(forms.Form):
    """A form whose cleaned data is one service's `data`, and that shows the service's
    refusals at their fields (or above the form)."""

    FIELDS: set[str] = set()

    def service_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.FIELDS}

    @classmethod
    def initial_for(cls, instance) -> dict:
        return {name: getattr(instance, name) for name in cls.FIELDS}

    def add_service_error(self, error: ValidationError | ApplicationError) -> None:
        if isinstance(error, ApplicationError):
            for field, messages in error.fields.items():
                if field in self.fields:
                    self.add_error(field, messages)
            self.add_error(None, error.message)
        elif hasattr(error, "error_dict"):
            for field, messages in error.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
        else:
            self.add_error(None, error.messages)


class ProgrammeForm(_ServiceForm):
    FIELDS = PROGRAMME_FIELDS

    name = forms.CharField(label=_("Programme name"), max_length=100)
    point_name = forms.CharField(
        label=_("Name of the points"),
        max_length=30,
        initial="points",
        help_text=_("Shown to staff, e.g. stars."),
    )
    point_value = forms.DecimalField(
        label=_("Value of one point"),
        max_digits=10,
        decimal_places=4,
        min_value=Decimal("0.0001"),
        help_text=_("In the account currency: what the outstanding points are worth."),
    )
    earn_rate = forms.DecimalField(
        label=_("Earn rate"),
        max_digits=10,
        decimal_places=4,
        min_value=Decimal(0),
        help_text=_("Points per currency unit spent on completed orders."),
    )
    rounding = forms.ChoiceField(
        label=_("Rounding of earned points"),
        choices=Programme.Rounding.choices,
        initial=Programme.Rounding.DOWN,
    )
    lifetime_months = forms.IntegerField(
        label=_("Points expire after (months)"),
        required=False,
        min_value=1,
        max_value=120,
        help_text=_("Empty: points never expire."),
    )
    qualifying_months = forms.IntegerField(
        label=_("Tier qualifying window (months)"),
        min_value=1,
        max_value=60,
        initial=12,
        help_text=_("Tiers follow the points earned in this many past months."),
    )
    enrolment = forms.ChoiceField(
        label=_("Enrolment"),
        choices=Programme.Enrolment.choices,
        initial=Programme.Enrolment.AUTOMATIC,
    )
    active_from = _date_field(_("Active from"))
    active_to = _date_field(
        _("Active to"), required=False, help_text=_("Empty: the programme has no end.")
    )


class RuleForm(_ServiceForm):
    FIELDS = RULE_FIELDS

    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=EarnRule.Kind.choices)
    points = _points_field(
        _("Points"),
        required=False,
        help_text=_(
            "Fixed points (per order, bonus, or the referrer's share); spend rules use the "
            "programme's earn rate instead."
        ),
    )
    referred_points = _points_field(
        _("Points for the referred customer"),
        required=False,
        help_text=_("Referral rules only."),
    )
    min_order_total = forms.DecimalField(
        label=_("Minimum order total"),
        required=False,
        max_digits=12,
        decimal_places=2,
        min_value=Decimal(0),
        help_text=_("Order rules only. Empty: any total."),
    )
    channels = forms.MultipleChoiceField(
        label=_("Channels"),
        choices=Order.Channel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-selectgroup-input"}),
        help_text=_("Order rules only. None ticked: every channel."),
    )
    active_from = _date_field(_("Active from"), required=False)
    active_to = _date_field(_("Active to"), required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def clean_points(self) -> int:
        return self.cleaned_data["points"] or 0

    def clean_referred_points(self) -> int:
        return self.cleaned_data["referred_points"] or 0


class TierForm(_ServiceForm):
    FIELDS = TIER_FIELDS

    name = forms.CharField(label=_("Name"), max_length=50)
    threshold = _points_field(
        _("Threshold"), help_text=_("Points earned in the qualifying window to reach it.")
    )
    multiplier = forms.DecimalField(
        label=_("Earn multiplier"),
        max_digits=4,
        decimal_places=2,
        min_value=Decimal(1),
        max_value=Decimal(10),
        initial=Decimal("1.00"),
        help_text=_("Order points are multiplied by this, e.g. 1.25."),
    )
    benefits = forms.CharField(
        label=_("Benefits"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What members of this tier get; for staff answering questions."),
    )


class RewardForm(_ServiceForm):
    FIELDS = REWARD_FIELDS

    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(
        label=_("Description"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    cost = _points_field(_("Cost in points"), minimum=1)
    stock = _points_field(
        _("Stock"), required=False, help_text=_("How many are left. Empty: unlimited.")
    )
    per_customer_limit = _points_field(
        _("Limit per customer"), required=False, minimum=1, help_text=_("Empty: no limit.")
    )
    active_from = _date_field(_("Active from"), required=False)
    active_to = _date_field(_("Active to"), required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)


class AdjustForm(_ServiceForm):
    """A manual correction of a member's points; the reason is kept in the ledger."""

    FIELDS = {"points", "reason"}

    points = forms.IntegerField(
        label=_("Points"),
        help_text=_("A whole number; negative to take points away."),
        error_messages={
            "required": _("Enter a whole number of points other than zero."),
            "invalid": _("Enter a whole number of points other than zero."),
        },
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        error_messages={"required": _("Say why the points change; the customer may ask.")},
    )


ORDERINGS = [
    ("-enrolled_at", _("Newest members")),
    ("enrolled_at", _("Oldest members")),
    ("-balance", _("Highest balance")),
    ("balance", _("Lowest balance")),
    ("-qualifying_points", _("Most qualifying points")),
    ("qualifying_points", _("Fewest qualifying points")),
]
NO_TIER = "none"


class MemberFilterForm(forms.Form):
    """The member list's search, filters and sort, read from the address."""

    q = forms.CharField(label=_("Search"), max_length=200, required=False)
    tier = forms.ChoiceField(label=_("Tier"), required=False)
    owing = forms.BooleanField(label=_("Balance below zero"), required=False)
    ordering = forms.ChoiceField(label=_("Sort"), choices=ORDERINGS, required=False)

    def __init__(self, *args, tiers: list[Tier], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tier"].choices = [
            ("", _("Every tier")),
            (NO_TIER, _("No tier")),
            *[(str(tier.pk), tier.name) for tier in tiers],
        ]
