"""Segment conditions surveys adds: the NPS category of the latest answer, and whether a
customer answered a survey."""

from django.db.models import OuterRef, Q, Subquery
from django.utils.translation import gettext_lazy

from crm.models import Customer
from crm.segments import MULTI, Condition, condition_register
from surveys.models import Invitation, Response, Survey


class NpsCategoryCondition(Condition):
    key, label, order = "nps_category", gettext_lazy("NPS category (latest answer)"), 300
    operators = {
        "in": (gettext_lazy("is one of"), MULTI),
        "not_in": (gettext_lazy("is none of"), MULTI),
    }

    def choices(self):
        return [
            ("promoter", gettext_lazy("Promoter (9-10)")),
            ("passive", gettext_lazy("Passive (7-8)")),
            ("detractor", gettext_lazy("Detractor (0-6)")),
        ]

    def q(self, op, value, window_days, today):
        latest = (
            Response.objects.filter(customer=OuterRef("pk"), score_kind="nps")
            .order_by("-submitted_at", "-id")
            .values("category")[:1]
        )
        customers = Customer.objects.annotate(latest=Subquery(latest)).filter(latest__in=value)
        match = Q(pk__in=customers.values("pk"))
        return match if op == "in" else ~match


class AnsweredCondition(Condition):
    key, label, order = "survey_answered", gettext_lazy("Survey"), 310
    operators = {
        "answered": (gettext_lazy("answered"), MULTI),
        "not_answered": (gettext_lazy("invited, not answered"), MULTI),
    }
    unknown_message = gettext_lazy("unknown survey %(v)s.")

    def choices(self):
        return [(str(s.pk), s.name) for s in Survey.objects.order_by("name")]

    def q(self, op, value, window_days, today):
        ids = [int(v) for v in value]
        if op == "answered":
            return Q(pk__in=Response.objects.filter(survey__in=ids).values("customer"))
        pending = Invitation.objects.filter(survey__in=ids, responded_at__isnull=True)
        return Q(pk__in=pending.values("customer"))


def register() -> None:
    for condition in (NpsCategoryCondition(), AnsweredCondition()):
        condition_register(condition)
