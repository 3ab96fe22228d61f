"""20 simultaneous submissions of one link on a real PostgreSQL: one response, one
bonus, at most one case."""

import pytest
from django.db import connection

from config.exceptions import ApplicationError
from crm.models import Case
from loyalty.models import Account, LedgerEntry
from surveys import services
from surveys.models import Response
from tests.conftest import require
from tests.loyalty.conftest import programme
from tests.loyalty.test_concurrency import run_at_once
from tests.surveys.conftest import consenting_customer, nps_survey

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_twenty_submissions_of_one_link_store_one_response_one_bonus_one_case():
    require(connection.vendor == "postgresql", "DATABASE_URL does not point at PostgreSQL")
    programme()
    survey = nps_survey(completion_bonus=25)
    customer = consenting_customer()
    link = services.invitation_create(survey=survey, customer=customer)
    field = f"q{survey.questions.get(kind='nps').pk}"

    results = run_at_once(
        20, lambda i: services.response_submit(token=link.token, answers={field: 2}).pk
    )
    stored = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if isinstance(r, ApplicationError)]
    assert len(stored) == 1 and len(refused) == 19, results
    assert {r.code for r in refused} == {"already_answered"}
    assert Response.objects.count() == 1
    assert LedgerEntry.objects.filter(reference__startswith="survey-response:").count() == 1
    assert Account.objects.get(customer=customer).balance == 25
    assert Case.objects.count() == 1
