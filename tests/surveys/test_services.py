"""Surveys: templates, invitation rules, answer validation, one response, bonus, loop."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from config.exceptions import ApplicationError
from crm.models import Case
from loyalty.models import Account
from surveys import services
from surveys.models import Invitation, Question, Response
from surveys.services import LinkError
from tests import factories
from tests.loyalty.conftest import programme
from tests.surveys.conftest import consenting_customer, nps_survey

pytestmark = pytest.mark.django_db


def nps_id(survey) -> str:
    return f"q{survey.questions.get(kind='nps').pk}"


def comment_id(survey) -> str:
    return f"q{survey.questions.get(kind='text').pk}"


def test_a_template_has_the_standard_wording_in_every_language(survey):
    nps = survey.questions.get(kind="nps")
    assert nps.text["en"] == "How likely are you to recommend us to a friend or colleague?"
    assert set(nps.text) == {"en", "lv", "lt", "pl", "ru"}
    assert [q.kind for q in survey.questions.all()] == ["nps", "text"]
    with pytest.raises(ValidationError):
        services.survey_from_template(template="stars", name="x")


def test_an_invitation_needs_consent_an_active_survey_and_time_since_the_last(survey):
    no_consent = factories.customer()
    with pytest.raises(ApplicationError) as refused:
        services.invitation_create(survey=survey, customer=no_consent)
    assert refused.value.code == "no_email_consent"
    link = services.invitation_create(survey=survey, customer=no_consent, channel="link")
    assert len(link.token) >= 43 and link.language == "en"
    customer = consenting_customer(language="lv")
    first = services.invitation_create(survey=survey, customer=customer)
    assert first.language == "lv"
    other = nps_survey()
    with pytest.raises(ApplicationError) as refused:
        services.invitation_create(survey=other, customer=customer)
    assert refused.value.code == "too_soon"
    later = timezone.now() + datetime.timedelta(days=91)
    services.invitation_create(survey=other, customer=customer, now=later)
    draft = services.survey_from_template(template="csat", name="Draft")
    with pytest.raises(ApplicationError) as refused:
        services.invitation_create(survey=draft, customer=consenting_customer())
    assert refused.value.code == "survey_inactive"


def test_a_second_invitation_to_the_same_survey_is_refused(survey):
    customer = consenting_customer()
    services.invitation_create(survey=survey, customer=customer)
    survey.frequency_days = 0
    survey.save()
    with pytest.raises(ApplicationError) as refused:
        services.invitation_create(survey=survey, customer=customer)
    assert refused.value.code == "already_invited"


@pytest.mark.parametrize(
    ("kind", "good", "bad"),
    [
        ("nps", [0, 10], [-1, 11, "7.5", "x", True]),
        ("csat", [1, 5], [0, 6]),
        ("ces", [1, 7], [0, 8]),
    ],
)
def test_scores_are_checked_against_their_scale(db, kind, good, bad):
    template = {"nps": "nps", "csat": "csat", "ces": "ces"}[kind]
    survey = services.survey_status_set(
        survey=services.survey_from_template(template=template, name=kind), status="active"
    )
    question = f"q{survey.questions.get(kind=kind).pk}"
    for value in bad:
        customer = consenting_customer()
        link = services.invitation_create(survey=survey, customer=customer, channel="link")
        with pytest.raises(ValidationError) as refused:
            services.response_submit(token=link.token, answers={question: value})
        assert question in refused.value.message_dict
    for value in good:
        customer = consenting_customer()
        survey.frequency_days = 0
        link = services.invitation_create(survey=survey, customer=customer, channel="link")
        assert services.response_submit(token=link.token, answers={question: value}).score == value


def test_required_unknown_and_choice_questions(survey, invitation):
    with pytest.raises(ValidationError) as refused:
        services.response_submit(token=invitation.token, answers={"q999999": "1"})
    assert set(refused.value.message_dict) == {nps_id(survey), "q999999"}
    pick = Question.objects.create(
        survey=survey,
        position=3,
        kind="multiple",
        required=False,
        text={"en": "What matters?"},
        choices=[{"value": "price", "label": {"en": "Price"}}, {"value": "speed", "label": {}}],
    )
    with pytest.raises(ValidationError) as refused:
        services.response_submit(
            token=invitation.token, answers={nps_id(survey): 9, f"q{pick.pk}": ["price", "fun"]}
        )
    assert list(refused.value.message_dict) == [f"q{pick.pk}"]
    response = services.response_submit(
        token=invitation.token,
        answers={nps_id(survey): 9, f"q{pick.pk}": ["price", "speed", "price"]},
    )
    assert response.answers.get(question=pick).choices == ["price", "speed"]
    assert (response.score, response.category) == (9, "promoter")


def test_one_response_per_invitation(survey, invitation):
    services.response_submit(token=invitation.token, answers={nps_id(survey): 8})
    with pytest.raises(ApplicationError) as refused:
        services.response_submit(token=invitation.token, answers={nps_id(survey): 10})
    assert refused.value.code == "already_answered"
    assert Response.objects.count() == 1
    assert Invitation.objects.get().responded_at is not None


@pytest.mark.parametrize(
    ("change", "code", "status"),
    [
        ("tampered", "unknown_link", 404),
        ("expired", "link_expired", 410),
        ("closed", "survey_closed", 410),
    ],
)
def test_links_that_cannot_be_answered(survey, invitation, change, code, status):
    token = invitation.token
    if change == "tampered":
        token = token[:-1] + ("A" if token[-1] != "A" else "B")
    elif change == "expired":
        Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
    else:
        services.survey_status_set(survey=survey, status="closed")
    with pytest.raises(LinkError) as refused:
        services.response_submit(token=token, answers={nps_id(survey): 5})
    assert (refused.value.code, refused.value.status_code) == (code, status)
    assert not Response.objects.exists()


def test_the_completion_bonus_is_credited_once(db):
    programme()
    survey = nps_survey(completion_bonus=50)
    customer = consenting_customer()
    link = services.invitation_create(survey=survey, customer=customer)
    response = services.response_submit(token=link.token, answers={nps_id(survey): 10})
    assert response.bonus_points == 50
    assert Account.objects.get(customer=customer).balance == 50
    with pytest.raises(ApplicationError):
        services.response_submit(token=link.token, answers={nps_id(survey): 10})
    assert Account.objects.get(customer=customer).balance == 50


def test_a_detractor_opens_exactly_one_follow_up_case(survey, invitation, support_user):
    owner = support_user
    customer = invitation.customer
    customer.owner = owner
    customer.save(update_fields=["owner"])
    response = services.response_submit(
        token=invitation.token,
        answers={nps_id(survey): 3, comment_id(survey): "Delivery took <b>three weeks</b>."},
    )
    case = Case.objects.get()
    assert response.follow_up == case and response.category == "detractor"
    assert (case.source, case.priority, case.assignee) == ("survey", "high", owner)
    assert case.subject == "Follow up: NPS 3 in How are we doing?"
    assert case.description == "Delivery took <b>three weeks</b>."
    passive = services.invitation_create(
        survey=nps_survey(frequency_days=0), customer=consenting_customer()
    )
    services.response_submit(
        token=passive.token, answers={f"q{passive.survey.questions.get(kind='nps').pk}": 7}
    )
    assert Case.objects.count() == 1


def test_the_public_link_takes_anonymous_answers(db):
    survey = nps_survey(allow_anonymous=True)
    assert survey.public_token
    first = services.response_submit(token=survey.public_token, answers={nps_id(survey): 9})
    second = services.response_submit(token=survey.public_token, answers={nps_id(survey): 4})
    assert first.customer is None and second.pk != first.pk
    assert not Case.objects.exists()  # nobody to follow up with


def test_scored_questions_lock_once_there_are_answers(survey, invitation):
    nps = survey.questions.get(kind="nps")
    services.question_save(survey=survey, question=nps, data={"required": False})
    services.question_save(survey=survey, question=nps, data={"required": True})
    services.response_submit(token=invitation.token, answers={f"q{nps.pk}": 9})
    for change in ({"kind": "csat"}, {"required": False}):
        with pytest.raises(ApplicationError) as refused:
            services.question_save(survey=survey, question=nps, data=change)
        assert refused.value.code == "question_locked"
    with pytest.raises(ApplicationError):
        services.question_delete(question=nps)
    with pytest.raises(ApplicationError):
        services.question_save(survey=survey, data={"kind": "text", "text": {"en": "x", "lv": "y"}})
    reworded = {"en": "Would you recommend us?", "lv": "Vai jūs mūs ieteiktu?"}
    assert (
        services.question_save(survey=survey, question=nps, data={"text": reworded}).text
        == reworded
    )
    with pytest.raises(ValidationError) as missing:
        services.question_save(survey=survey, question=nps, data={"text": {"en": "Only English"}})
    assert "lv" in missing.value.message_dict["text"][0]


def test_single_choice_and_free_text_questions_are_checked(survey, invitation):
    one = services.question_save(
        survey=survey,
        data={
            "kind": "single",
            "required": True,
            "text": {"en": "Where did you buy?", "lv": "Kur jūs pirkāt?"},
            "choices": [
                {"value": "web", "label": {"en": "Web", "lv": "Tīmeklī"}},
                {"value": "store", "label": {"en": "Store", "lv": "Veikalā"}},
            ],
        },
    )
    comment = comment_id(survey)
    base = {nps_id(survey): 9}
    for value, message in (
        (["web", "store"], "Choose one answer."),
        ("mail", "Choose from the answers given."),
        ("", "Please answer this question."),
    ):
        with pytest.raises(ValidationError) as refused:
            services.response_submit(token=invitation.token, answers={**base, f"q{one.pk}": value})
        assert refused.value.message_dict[f"q{one.pk}"] == [message]
    with pytest.raises(ValidationError) as too_long:
        services.response_submit(
            token=invitation.token,
            answers={**base, f"q{one.pk}": "web", comment: "x" * 5001},
        )
    assert list(too_long.value.message_dict) == [comment]
    response = services.response_submit(
        token=invitation.token,
        answers={**base, f"q{one.pk}": "store", comment: "  Nice \x00 staff  "},
    )
    assert response.answers.get(question=one).choices == ["store"]
    assert response.comment == "Nice  staff"
