"""Segment conditions analytics adds to crm's builder: the nightly churn risk band,
P(alive) and the predictive 12-month CLV ("high value and at risk"). Customers without a
score (no completed order yet) match none of the "at least / at most" conditions."""

from decimal import Decimal

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analytics.models import CustomerScore
from crm.segments import MONEY, MULTI, NUMBER, Condition, condition_register


def _scored(**lookup) -> Q:
    return Q(pk__in=CustomerScore.objects.filter(**lookup).values("customer_id"))


class ChurnRiskCondition(Condition):
    key, label, order = "churn_risk", gettext_lazy("Churn risk (predicted)"), 300
    operators = {
        "in": (gettext_lazy("is one of"), MULTI),
        "not_in": (gettext_lazy("is none of"), MULTI),
    }

    def choices(self):
        return list(CustomerScore.Risk.choices)

    def q(self, op, value, window_days, today):
        match = _scored(risk__in=value)
        return match if op == "in" else ~match


class PAliveCondition(Condition):
    key, label, order = "p_alive", gettext_lazy("P(alive), percent"), 310
    operators = {
        "gte": (gettext_lazy("at least"), NUMBER),
        "lte": (gettext_lazy("at most"), NUMBER),
    }

    def clean_value(self, op, value):
        number = super().clean_value(op, value)
        if number > 100:
            raise ValueError(_("enter a percentage from 0 to 100."))
        return number

    def q(self, op, value, window_days, today):
        share = Decimal(value) / 100
        return _scored(**{f"p_alive__{op}": share})


class PredictiveClvCondition(Condition):
    key, label, order = "predictive_clv", gettext_lazy("Predictive 12-month CLV"), 320
    operators = {"gte": (gettext_lazy("at least"), MONEY), "lte": (gettext_lazy("at most"), MONEY)}

    def q(self, op, value, window_days, today):
        return _scored(**{f"clv__{op}": Decimal(value)})


def register() -> None:
    for condition in (ChurnRiskCondition(), PAliveCondition(), PredictiveClvCondition()):
        condition_register(condition)
