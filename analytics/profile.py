"""Where predictive retention shows on crm's customer profile: a panel with P(alive),
the churn risk band, the expected order days and the 12-month CLV, and the rows crm's
merge must respect (crm.extensions)."""

from django.utils.translation import gettext_lazy

from analytics.models import CustomerScore
from analytics.predictive import selectors
from crm.extensions import CustomerRecords, ProfilePanel, customer_records_register, panel_register


def _panel(customer, user) -> dict:
    """The score and its one-line explanation; without one, why not (one query)."""
    score = selectors.score_get(customer_id=customer.pk)
    if score is None:
        return {"score": None}
    return {
        "score": score,
        "explanation": selectors.score_explanation(score),
    }


def _merge(*, survivor, duplicate) -> None:
    """Both histories are now one: the survivor's score is stale until the next nightly
    fit, so it goes (the duplicate's goes with its row)."""
    CustomerScore.objects.filter(customer_id__in=[survivor.pk, duplicate.pk]).delete()


def register() -> None:
    panel_register(
        ProfilePanel(
            key="prediction",
            label=gettext_lazy("Churn risk"),
            template="analytics/panels/_prediction.html",
            load=_panel,
            permission="analytics.view_customerscore",
            column="side",
            order=3,
        )
    )
    customer_records_register(CustomerRecords(key="prediction", merge=_merge))
