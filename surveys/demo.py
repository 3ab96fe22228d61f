"""Surveys' demo data, added when crm's seed_demo has loaded customers (after loyalty).

An NPS survey in five languages with a completion bonus, answered over the last year
(the last three weeks through the real services: bonus points, follow-up cases for
detractors), a CSAT survey sent when a case is resolved, and a CES survey in draft.
Deterministic per seed.
"""

import datetime
import random

from django.utils import timezone

from crm.models import Customer
from surveys import services
from surveys.models import Answer, Invitation, Response, Survey

COMMENTS = {
    "promoter": [
        "Fast delivery and friendly support.",
        "Always find what I need.",
        "Great loyalty points, I use them every month.",
        "Ātra piegāde, paldies!",
        "Очень удобное приложение.",
    ],
    "passive": [
        "Good, but delivery could be faster.",
        "Prices went up a bit.",
        "Fine overall.",
        "Dobra obsługa, ale drogo.",
    ],
    "detractor": [
        "My parcel arrived damaged and nobody called back.",
        "Waited three weeks for a refund.",
        "The app keeps logging me out.",
        "Siuntinys vėlavo dvi savaites.",
    ],
}


def _score(rng: random.Random) -> int:
    return rng.choices(range(11), weights=[2, 1, 1, 2, 2, 3, 4, 8, 14, 25, 30])[0]


def _category(score: int) -> str:
    return "detractor" if score <= 6 else "promoter" if score >= 9 else "passive"


def surveys_demo_create(*, seed: int = 42) -> dict:
    """Build the demo surveys and their answers; returns counts."""
    if Survey.objects.exists():
        return {"surveys": 0, "responses": 0}
    rng = random.Random(seed + 20)
    now = timezone.now()
    nps = services.survey_from_template(
        template="nps",
        name="How are we doing?",
        completion_bonus=50,
        frequency_days=0,
        intro={
            "en": "Two questions, one minute. Thank you!",
            "lv": "Divi jautājumi, viena minūte. Paldies!",
            "lt": "Du klausimai, viena minutė. Ačiū!",
            "pl": "Dwa pytania, jedna minuta. Dziękujemy!",
            "ru": "Два вопроса, одна минута. Спасибо!",
        },
    )
    services.survey_status_set(survey=nps, status="active")
    csat = services.survey_from_template(
        template="csat", name="How did we handle your case?", trigger="case_resolved"
    )
    services.survey_status_set(survey=csat, status="active")
    services.survey_from_template(template="ces", name="Returns: how easy was it?")

    customers = list(Customer.objects.filter(order_count__gt=0).order_by("pk")[:2000])
    chosen = rng.sample(customers, k=min(len(customers), 420))
    nps_question, comment_question = list(nps.questions.order_by("position"))
    old_responses, old_answers, recent = [], [], []
    for customer in chosen:
        asked = now - datetime.timedelta(days=rng.randint(1, 360), hours=rng.randint(0, 23))
        invitation = services.invitation_create(
            survey=nps, customer=customer, channel="link", now=asked
        )
        Invitation.objects.filter(pk=invitation.pk).update(sent_at=asked)
        if rng.random() < 0.35:  # not everybody answers
            continue
        score = _score(rng)
        comment = rng.choice(COMMENTS[_category(score)]) if rng.random() < 0.5 else ""
        if asked > now - datetime.timedelta(days=21):
            recent.append((invitation, score, comment))
            continue
        answered = min(asked + datetime.timedelta(hours=rng.randint(1, 72)), now)
        Invitation.objects.filter(pk=invitation.pk).update(
            opened_at=answered, responded_at=answered
        )
        old_responses.append(
            Response(
                survey=nps,
                invitation=invitation,
                customer=customer,
                language=invitation.language,
                submitted_at=answered,
                score_kind="nps",
                score=score,
                category=_category(score),
                comment=comment,
            )
        )
    Response.objects.bulk_create(old_responses, batch_size=500)
    for response in Response.objects.filter(survey=nps):
        old_answers.append(Answer(response=response, question=nps_question, score=response.score))
        if response.comment:
            old_answers.append(
                Answer(response=response, question=comment_question, text=response.comment)
            )
    Answer.objects.bulk_create(old_answers, batch_size=1000)
    # The last three weeks through the services: bonus points and follow-up cases.
    for invitation, score, comment in recent:
        answers = {f"q{nps_question.pk}": score}
        if comment:
            answers[f"q{comment_question.pk}"] = comment
        services.response_submit(token=invitation.token, answers=answers)
    return {"surveys": 3, "responses": Response.objects.count()}
