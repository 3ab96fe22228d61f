"""Survey test data, made through the services."""

import pytest
from django.utils import timezone

from surveys import services
from tests import factories


def nps_survey(**settings_):
    survey = services.survey_from_template(
        template="nps", name="How are we doing?", languages=["en", "lv"], **settings_
    )
    return services.survey_status_set(survey=survey, status="active")


def consenting_customer(**data):
    data.setdefault("email_consent", True)
    data.setdefault("email_consent_at", timezone.now())
    return factories.customer(**data)


@pytest.fixture
def survey(db):
    return nps_survey()


@pytest.fixture
def invitation(survey):
    return services.invitation_create(survey=survey, customer=consenting_customer(language="lv"))
