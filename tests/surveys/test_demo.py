"""seed_demo builds surveys with a year of answers through the surveys app's receiver."""

import pytest
from django.core.management import call_command

from surveys.models import Response, Survey

pytestmark = pytest.mark.django_db


def test_seed_demo_adds_surveys_with_answers(settings):
    settings.DEBUG = True
    call_command("seed_demo", customers=300, seed=5, stdout=open("/dev/null", "w"))
    assert set(Survey.objects.values_list("status", flat=True)) == {"active", "draft"}
    nps = Survey.objects.get(name="How are we doing?")
    answers = Response.objects.filter(survey=nps)
    assert answers.count() > 20
    assert set(answers.values_list("category", flat=True)) <= {"promoter", "passive", "detractor"}
    assert all(0 <= r.score <= 10 for r in answers)
