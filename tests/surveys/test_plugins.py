"""surveys plugs into crm: the profile panel and timeline, segment conditions, the CSAT
survey on a resolved case, invitation emails and reminders, role grants."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from crm import services as crm_services
from crm.models import Customer
from crm.roles import role_permissions
from crm.segments import rule_clean, rule_q
from surveys import services
from surveys.models import Invitation
from tests import factories
from tests.surveys.conftest import consenting_customer, nps_survey

pytestmark = pytest.mark.django_db


def answer(survey, customer, score, comment=""):
    link = services.invitation_create(survey=survey, customer=customer, channel="link")
    answers = {f"q{survey.questions.get(kind='nps').pk}": score}
    if comment:
        answers[f"q{survey.questions.get(kind='text').pk}"] = comment
    return services.response_submit(token=link.token, answers=answers)


def test_the_profile_shows_the_latest_score_and_every_answer(client, support_user, survey):
    customer = factories.customer()
    answer(survey, customer, 4, comment="Slow <b>delivery</b>")
    client.force_login(support_user)
    html = client.get(reverse("crm:customer-detail", args=[customer.pk])).content.decode()
    assert 'data-testid="survey-latest-score">4<' in html
    assert 'data-testid="timeline-survey"' in html
    assert "Slow &lt;b&gt;delivery&lt;/b&gt;" in html and "<b>delivery</b>" not in html


def test_segment_conditions_on_the_latest_category_and_answering(survey):
    fan, critic, silent = (factories.customer(first_name=n) for n in ("Fan", "Critic", "Silent"))
    answer(survey, fan, 10)
    answer(survey, critic, 2)
    services.invitation_create(survey=survey, customer=silent, channel="link")

    def members(condition):
        rule = rule_clean({"match": "all", "conditions": [condition]})
        return set(Customer.objects.filter(rule_q(rule)).values_list("first_name", flat=True))

    assert members({"type": "nps_category", "op": "in", "value": ["promoter"]}) == {"Fan"}
    assert members({"type": "nps_category", "op": "in", "value": ["detractor"]}) == {"Critic"}
    answered = {"type": "survey_answered", "op": "answered", "value": [str(survey.pk)]}
    assert members(answered) == {"Fan", "Critic"}
    pending = {"type": "survey_answered", "op": "not_answered", "value": [str(survey.pk)]}
    assert members(pending) == {"Silent"}


def test_a_resolved_case_sends_the_csat_survey_once(db, django_capture_on_commit_callbacks):
    csat = services.survey_from_template(
        template="csat", name="How did we do?", trigger="case_resolved"
    )
    services.survey_status_set(survey=csat, status="active")
    customer = consenting_customer(first_name="Rūta", language="lt")
    case = factories.case(customer)
    with django_capture_on_commit_callbacks(execute=True):
        crm_services.case_status_set(case=case, status="resolved")
    invitation = Invitation.objects.get()
    assert (invitation.trigger, invitation.trigger_key, invitation.language) == (
        "case_resolved",
        f"case:{case.pk}",
        "lt",
    )
    assert len(mail.outbox) == 1 and invitation.token in mail.outbox[0].body
    assert mail.outbox[0].to == [customer.email]
    assert Invitation.objects.get().sent_at is not None


def test_reminders_go_to_non_responders_at_most_m_times(survey):
    customer = consenting_customer()
    invitation = services.invitation_create(survey=survey, customer=customer)
    assert services.invitation_send(invitation_id=invitation.pk)
    assert not services.invitation_send(invitation_id=invitation.pk)  # sent already
    later = timezone.now() + datetime.timedelta(days=6)
    assert services.reminders_send(now=later) == 1
    assert services.reminders_send(now=later + datetime.timedelta(days=6)) == 0  # max 1
    assert len(mail.outbox) == 2 and mail.outbox[1].subject.startswith("Reminder:")


def test_surveys_declares_its_own_grants():
    granted = role_permissions()
    assert "surveys.view_response" in granted["Support"]
    assert "surveys.add_survey" in granted["Marketing"]
    assert "surveys.add_survey" not in granted["Support"]


def test_the_case_page_shows_the_answer_the_loop_and_the_next_answer(client, support_user):
    from crm.models import Case, Team

    team = Team.objects.create(name="Customer care")
    survey = nps_survey(follow_up_team=team, frequency_days=0)
    customer = factories.customer(first_name="Inga")
    answer(survey, customer, 2, comment="Rude courier")
    case = Case.objects.get()
    assert (case.team, case.assignee) == (team, None)  # no owner: the team's queue
    client.force_login(support_user)
    url = reverse("crm:case-detail", args=[case.number])
    html = client.get(url).content.decode()
    assert 'data-testid="survey-loop"' in html and "Rude courier" in html
    assert "Not contacted yet" in html and "No answer since." in html
    crm_services.case_status_set(case=case, status="resolved")
    second = nps_survey(frequency_days=0)
    answer(second, customer, 8)
    html = client.get(url).content.decode()
    assert "Loop closed" in html and "Next answer: 8" in html and "improved" in html


def test_the_case_page_lists_the_customers_other_active_cases(client, support_user):
    customer = factories.customer()
    first = factories.case(customer, subject="Parcel lost")
    factories.case(customer, subject="Invoice wrong")
    client.force_login(support_user)
    html = client.get(reverse("crm:case-detail", args=[first.number])).content.decode()
    assert 'data-testid="case-panel-other-cases"' in html and "Invoice wrong" in html
