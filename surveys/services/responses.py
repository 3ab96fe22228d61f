"""Responses: the one answer per link, checked question by question, the completion
bonus and the follow-up case of a detractor."""

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.exceptions import ApplicationError
from crm.models import Case, Customer
from crm.services import case_open
from loyalty.services import survey_bonus_award
from surveys.models import Answer, Invitation, Question, Response, Survey
from surveys.services.invitations import invitation_for_token
from surveys.services.surveys import token_new

MAX_TEXT = 5000


# --- Responses ------------------------------------------------------------------------------


def _clean_answer(question: Question, raw: Any, language: str) -> dict | None:
    """One answer in stored form, None when skipped; ValidationError naming the question."""
    field = f"q{question.pk}"
    empty = raw is None or raw == "" or raw == []
    if empty:
        if question.required:
            raise ValidationError({field: _("Please answer this question.")})
        return None
    if question.scored:
        low, high = Question.SCALES[question.kind]
        text = str(raw).strip()
        if isinstance(raw, bool) or not text.isascii() or not text.lstrip("-").isdigit():
            raise ValidationError({field: _("Choose a number.")})
        score = int(text)
        if not low <= score <= high:
            raise ValidationError(
                {field: _("Choose a number from %(low)s to %(high)s.") % {"low": low, "high": high}}
            )
        return {"score": score}
    if question.kind == Question.Kind.TEXT:
        text = str(raw).replace("\x00", "").strip()
        if len(text) > MAX_TEXT:
            raise ValidationError(
                {field: _("Keep the answer under %(n)s characters.") % {"n": MAX_TEXT}}
            )
        if not text:
            if question.required:
                raise ValidationError({field: _("Please answer this question.")})
            return None
        return {"text": text}
    allowed = {str(choice.get("value")) for choice in question.choices}
    values = raw if isinstance(raw, list) else [raw]
    values = [str(v) for v in values if v not in (None, "")]
    if question.kind == Question.Kind.SINGLE and len(values) != 1:
        raise ValidationError({field: _("Choose one answer.")})
    if not values or any(v not in allowed for v in values):
        raise ValidationError({field: _("Choose from the answers given.")})
    return {"choices": list(dict.fromkeys(values))}


def _category(question: Question, score: int, survey: Survey) -> str:
    """NPS: the standard categories (0-6, 7-8, 9-10; docs/metrics.md) whatever the
    survey's follow-up threshold. CSAT and CES: below the survey's threshold or not."""
    if question.kind == Question.Kind.NPS:
        return "detractor" if score <= 6 else "promoter" if score >= 9 else "passive"
    limit = survey.csat_detractor_max if question.kind == "csat" else survey.ces_detractor_max
    return "detractor" if score <= limit else "ok"


def _needs_follow_up(response: Response, survey: Survey) -> bool:
    """At or below the survey's threshold for its kind (NPS 0-6, CSAT 1-2, CES 1-3 unless
    the survey says otherwise)."""
    limits = {
        "nps": survey.nps_detractor_max,
        "csat": survey.csat_detractor_max,
        "ces": survey.ces_detractor_max,
    }
    return response.score is not None and response.score <= limits[response.score_kind]


@transaction.atomic
def response_submit(
    *, token: str, answers: dict[str, Any], language: str | None = None
) -> Response:
    """Store a customer's answers to the link's survey, once.

    `answers` maps "q<question id>" to a score, a choice (or list of choices) or text.
    Raises LinkError (unknown, expired, closed), ValidationError with one message per
    question, or ApplicationError `already_answered` (409) for a second submission."""
    invitation = invitation_for_token(token=token)
    if invitation.pk:
        # The row lock queues concurrent submissions of one link; the unique key on the
        # response is the last guard.
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.responded_at is not None:
            raise ApplicationError(
                "already_answered", _("This survey has been answered already."), status_code=409
            )
    survey = invitation.survey
    questions = list(survey.questions.order_by("position"))
    language = language if language in survey.languages else invitation.language
    cleaned, errors = {}, {}
    for question in questions:
        try:
            cleaned[question] = _clean_answer(question, answers.get(f"q{question.pk}"), language)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    unknown = set(answers) - {f"q{q.pk}" for q in questions}
    for name in sorted(unknown)[:20]:
        errors[str(name)[:50]] = [_("Unknown question.")]
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    if not invitation.pk:  # the public link: an anonymous invitation of its own
        invitation.token = token_new()
        invitation.created_at = now
        invitation.save()
    headline = next((q for q in questions if q.scored and cleaned.get(q)), None)
    comment = next(
        (cleaned[q]["text"] for q in questions if q.kind == "text" and cleaned.get(q)), ""
    )
    response = Response(
        survey=survey,
        invitation=invitation,
        customer=invitation.customer,
        language=language,
        submitted_at=now,
        comment=comment,
    )
    if headline is not None:
        response.score_kind = headline.kind
        response.score = cleaned[headline]["score"]
        response.category = _category(headline, response.score, survey)
    try:
        with transaction.atomic():
            response.save()
    except IntegrityError:
        raise ApplicationError(
            "already_answered", _("This survey has been answered already."), status_code=409
        ) from None
    Answer.objects.bulk_create(
        Answer(response=response, question=question, **value)
        for question, value in cleaned.items()
        if value
    )
    Invitation.objects.filter(pk=invitation.pk).update(responded_at=now)
    if invitation.customer is not None:
        _bonus(response, survey, invitation.customer)
        if _needs_follow_up(response, survey):
            _follow_up(response, survey, invitation.customer)
    return response


def _bonus(response: Response, survey: Survey, customer: Customer) -> None:
    if not survey.completion_bonus:
        return
    entry = survey_bonus_award(
        customer=customer,
        response_id=response.pk,
        survey_name=survey.name,
        points=survey.completion_bonus,
    )
    if entry is not None:
        response.bonus_points = entry.points
        response.save(update_fields=["bonus_points"])


def _follow_up(response: Response, survey: Survey, customer: Customer) -> None:
    """Exactly one case per detractor response (the response holds it), assigned to the
    customer's owner when they work cases, else to the survey's follow-up team's queue;
    due in two days."""
    owner = customer.owner
    assignee = owner if owner and owner.is_active and owner.has_perm("crm.change_case") else None
    team = survey.follow_up_team if assignee is None else None
    label = {"nps": "NPS", "csat": "CSAT", "ces": "CES"}[response.score_kind]
    case = case_open(
        customer=customer,
        subject=_("Follow up: %(kind)s %(score)s in %(survey)s")
        % {"kind": label, "score": response.score, "survey": survey.name},
        description=response.comment or _("(no comment)"),
        priority=Case.Priority.HIGH,
        source=Case.Source.SURVEY,
        assignee=assignee,
        team=team,
        due_at=timezone.now() + datetime.timedelta(days=2),
    )
    response.follow_up = case
    response.save(update_fields=["follow_up"])
