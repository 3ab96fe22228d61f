"""Survey writes: surveys from templates, invitations, and the one response per link.

A response is checked question by question (range, required, known choices) before
anything is written; a second submission of the same invitation, even at the same
moment, stores nothing (the unique key on the invitation) and is told "already
answered". The completion bonus goes through loyalty's service, once per response; a
detractor's answer opens exactly one follow-up case through crm's case service.
"""

import datetime
import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from config.exceptions import ApplicationError
from crm.models import Case, Customer
from crm.services import case_open
from loyalty.services import survey_bonus_award
from surveys.models import Answer, Invitation, Question, Response, Survey

MAX_TEXT = 5000
LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]


def token_new() -> str:
    """256 random bits, URL-safe (43 characters)."""
    return secrets.token_urlsafe(32)


# --- Templates ----------------------------------------------------------------------------

# The standard wording of each scored question, in every interface language.
NPS_TEXT = {
    "en": "How likely are you to recommend us to a friend or colleague?",
    "lv": "Cik ticams ir, ka jūs mūs ieteiktu draugam vai kolēģim?",
    "lt": "Kiek tikėtina, kad rekomenduotumėte mus draugui ar kolegai?",
    "pl": "Jak prawdopodobne jest, że polecisz nas znajomemu lub współpracownikowi?",
    "ru": "Насколько вероятно, что вы порекомендуете нас другу или коллеге?",
}
CSAT_TEXT = {
    "en": "How satisfied are you with how we handled your request?",
    "lv": "Cik apmierināts esat ar to, kā mēs izskatījām jūsu pieprasījumu?",
    "lt": "Kaip esate patenkinti, kaip išsprendėme jūsų užklausą?",
    "pl": "Jak bardzo jesteś zadowolony z tego, jak obsłużyliśmy Twoje zgłoszenie?",
    "ru": "Насколько вы довольны тем, как мы решили ваш вопрос?",
}
CES_TEXT = {
    "en": "How easy was it to get your issue resolved?",
    "lv": "Cik viegli bija atrisināt jūsu jautājumu?",
    "lt": "Kaip lengva buvo išspręsti jūsų klausimą?",
    "pl": "Jak łatwo było rozwiązać Twoją sprawę?",
    "ru": "Насколько легко было решить ваш вопрос?",
}
COMMENT_TEXT = {
    "en": "What is the main reason for your score?",
    "lv": "Kāds ir galvenais jūsu vērtējuma iemesls?",
    "lt": "Kokia pagrindinė jūsų įvertinimo priežastis?",
    "pl": "Jaki jest główny powód Twojej oceny?",
    "ru": "Какова главная причина вашей оценки?",
}
TEMPLATES = {
    "nps": (Question.Kind.NPS, NPS_TEXT),
    "csat": (Question.Kind.CSAT, CSAT_TEXT),
    "ces": (Question.Kind.CES, CES_TEXT),
}


@transaction.atomic
def survey_from_template(
    *, template: str, name: str, languages: list[str] | None = None, **settings_
) -> Survey:
    """A draft survey with the template's scored question (standard wording in every
    language) and an optional comment: "nps", "csat" (after a case) or "ces"."""
    if template not in TEMPLATES:
        raise ValidationError({"template": _("Choose NPS, CSAT or CES.")})
    kind, text = TEMPLATES[template]
    languages = languages or list(LANGUAGE_CODES)
    unknown = [code for code in languages if code not in LANGUAGE_CODES]
    if unknown or not languages:
        raise ValidationError({"languages": _("Choose languages the interface speaks.")})
    survey = Survey(
        name=(name or "").strip()[:150],
        languages=languages,
        title={code: name for code in languages},
        **settings_,
    )
    if not survey.name:
        raise ValidationError({"name": _("Give the survey a name.")})
    survey.full_clean()
    survey.save()
    Question.objects.create(survey=survey, position=1, kind=kind, text=text, required=True)
    Question.objects.create(
        survey=survey, position=2, kind=Question.Kind.TEXT, text=COMMENT_TEXT, required=False
    )
    return survey


@transaction.atomic
def survey_status_set(*, survey: Survey, status: str) -> Survey:
    """Open (draft → active) or close a survey; a closed survey answers no more links."""
    if status not in Survey.Status.values:
        raise ValidationError({"status": _("Unknown status.")})
    if status == Survey.Status.DRAFT and survey.status != Survey.Status.DRAFT:
        raise ApplicationError(
            "invalid_status_change",
            _("A survey that was sent cannot become a draft again."),
            status_code=409,
        )
    survey.status = status
    if status == Survey.Status.ACTIVE and survey.allow_anonymous and not survey.public_token:
        survey.public_token = token_new()
    survey.save(update_fields=["status", "public_token", "updated_at"])
    return survey


# Scored questions lock once a survey has answers: changing a scale, or removing a
# scored question, would mix answers to different questions in one NPS / CSAT / CES.
# The wording (per language) may still be corrected; a new question means a new survey.


def _locked(question: Question) -> bool:
    return question.scored and question.survey.responses.exists()


@transaction.atomic
def question_save(
    *, survey: Survey, data: dict[str, Any], question: Question | None = None
) -> Question:
    """Add a question or change one: kind, required, text per language, choices.

    Refused with `question_locked` (409) when the change would touch a scored question
    of a survey that has answers (its kind or whether it is required); its text may
    still change. Questions cannot be added to a survey that has answers."""
    allowed = {"kind", "required", "text", "choices", "position"}
    unknown = set(data) - allowed
    if unknown:
        raise ValidationError({name: _("Unknown field.") for name in sorted(unknown)})
    answered = survey.responses.exists()
    if question is None:
        if answered:
            raise ApplicationError(
                "question_locked",
                _("This survey has answers; add questions in a new survey."),
                status_code=409,
            )
        question = Question(survey=survey)
        data.setdefault("position", (survey.questions.count() or 0) + 1)
    elif _locked(question) and any(
        name in data and data[name] != getattr(question, name) for name in ("kind", "required")
    ):
        raise ApplicationError(
            "question_locked",
            _("This question has answers; only its wording can change."),
            status_code=409,
        )
    for name, value in data.items():
        setattr(question, name, value)
    texts = question.text if isinstance(question.text, dict) else {}
    missing = [code for code in survey.languages if not str(texts.get(code, "")).strip()]
    if missing:
        raise ValidationError(
            {
                "text": _("Give the question in every language of the survey: %(codes)s.")
                % {"codes": ", ".join(missing)}
            }
        )
    if question.kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE) and not question.choices:
        raise ValidationError({"choices": _("Give at least one answer to choose from.")})
    question.full_clean()
    question.save()
    return question


@transaction.atomic
def question_delete(*, question: Question) -> None:
    """Remove a question; refused (`question_locked`) once its survey has answers."""
    if question.survey.responses.exists():
        raise ApplicationError(
            "question_locked",
            _("This survey has answers; its questions stay as they were answered."),
            status_code=409,
        )
    question.delete()


# --- Invitations ----------------------------------------------------------------------------


def _language_for(survey: Survey, customer: Customer | None) -> str:
    wanted = customer.language if customer else settings.LANGUAGE_CODE
    return wanted if wanted in survey.languages else survey.languages[0]


@transaction.atomic
def invitation_create(
    *,
    survey: Survey,
    customer: Customer,
    channel: str = Invitation.Channel.EMAIL,
    trigger: str = Invitation.Trigger.MANUAL,
    trigger_key: str = "",
    now: datetime.datetime | None = None,
) -> Invitation:
    """A personal link for one customer, respecting the survey's rules:

    - `survey_inactive`: only an active survey invites;
    - `no_email_consent`: an email invitation needs the customer's email consent and
      address;
    - `too_soon`: no invitation within the survey's frequency of the customer's last one
      (of any survey);
    - `already_invited`: one invitation per survey and customer (and per trigger key).
    """
    now = now or timezone.now()
    if survey.status != Survey.Status.ACTIVE:
        raise ApplicationError(
            "survey_inactive", _("Only an active survey sends invitations."), status_code=409
        )
    if channel == Invitation.Channel.EMAIL and not (customer.email_consent and customer.email):
        raise ApplicationError(
            "no_email_consent",
            _("%(name)s has not agreed to emails.") % {"name": customer.display_name},
            status_code=409,
        )
    if Invitation.objects.filter(survey=survey, customer=customer).exists():
        raise ApplicationError(
            "already_invited",
            _("%(name)s is already invited to this survey.") % {"name": customer.display_name},
            status_code=409,
        )
    if survey.frequency_days:
        recent = Invitation.objects.filter(
            customer=customer,
            created_at__gt=now - datetime.timedelta(days=survey.frequency_days),
        )
        if recent.exists():
            raise ApplicationError(
                "too_soon",
                _("%(name)s was asked less than %(days)s days ago.")
                % {"name": customer.display_name, "days": survey.frequency_days},
                status_code=409,
            )
    invitation = Invitation(
        survey=survey,
        customer=customer,
        token=token_new(),
        channel=channel,
        language=_language_for(survey, customer),
        trigger=trigger,
        trigger_key=trigger_key,
        created_at=now,
        expires_at=now + datetime.timedelta(days=survey.response_days),
    )
    try:
        with transaction.atomic():
            invitation.save()
    except IntegrityError:
        raise ApplicationError(
            "already_invited",
            _("%(name)s is already invited to this survey.") % {"name": customer.display_name},
            status_code=409,
        ) from None
    return invitation


class LinkError(ApplicationError):
    """A link that cannot be answered: unknown (404), expired or closed (410)."""


def invitation_for_token(*, token: str) -> Invitation:
    """The invitation behind a personal link, or the survey's public link (a new
    anonymous invitation each time it is answered). Raises LinkError."""
    token = (token or "").strip()
    invitation = None
    if 20 <= len(token) <= 64:
        invitation = (
            Invitation.objects.select_related("survey", "customer").filter(token=token).first()
        )
        if invitation is None:
            survey = Survey.objects.filter(public_token=token, allow_anonymous=True).first()
            if survey is not None:
                now = timezone.now()
                invitation = Invitation(
                    survey=survey,
                    token=token,
                    channel=Invitation.Channel.LINK,
                    language=survey.languages[0],
                    created_at=now,
                    expires_at=now + datetime.timedelta(days=survey.response_days),
                )
    if invitation is None:
        raise LinkError("unknown_link", _("This survey link is not known."), status_code=404)
    if invitation.survey.status != Survey.Status.ACTIVE:
        raise LinkError("survey_closed", _("This survey is closed."), status_code=410)
    if invitation.pk and invitation.expires_at <= timezone.now():
        raise LinkError("link_expired", _("This survey link has expired."), status_code=410)
    return invitation


def invitation_opened(*, invitation: Invitation) -> None:
    """Stamp the first opening of a personal link."""
    if invitation.pk and invitation.opened_at is None:
        Invitation.objects.filter(pk=invitation.pk, opened_at__isnull=True).update(
            opened_at=timezone.now()
        )


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


# --- Sending, triggers and reminders ----------------------------------------------------------


def invitation_link(invitation: Invitation) -> str:
    return f"{settings.PUBLIC_BASE_URL}/s/{invitation.token}/"


def invitation_send(*, invitation_id: int, reminder: bool = False) -> bool:
    """Email an invitation (or a reminder) in its language through Django's email backend;
    False when there is nothing to send: already answered, expired, the survey closed,
    consent withdrawn, or (not a reminder) sent already. A failure to send raises, so
    the task retries; the row lock keeps two workers from sending twice."""
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update(of=("self",))
            .select_related("survey", "customer")
            .filter(pk=invitation_id)
            .first()
        )
        now = timezone.now()
        if (
            invitation is None
            or invitation.customer is None
            or invitation.responded_at is not None
            or invitation.expires_at <= now
            or invitation.survey.status != Survey.Status.ACTIVE
            or not (invitation.customer.email_consent and invitation.customer.email)
            or (invitation.sent_at is not None and not reminder)
        ):
            return False
        survey = invitation.survey
        with translation.override(invitation.language):
            context = {
                "survey": survey,
                "title": survey.title.get(invitation.language) or survey.name,
                "customer": invitation.customer,
                "link": invitation_link(invitation),
                "reminder": reminder,
                "expires_at": invitation.expires_at,
            }
            subject = render_to_string("surveys/email/invitation_subject.txt", context).strip()
            body = render_to_string("surveys/email/invitation.txt", context)
            EmailMessage(
                subject=" ".join(subject.split()), body=body, to=[invitation.customer.email]
            ).send()
        if reminder:
            invitation.reminders_sent += 1
            invitation.last_reminder_at = now
            invitation.save(update_fields=["reminders_sent", "last_reminder_at"])
        else:
            invitation.sent_at = now
            invitation.save(update_fields=["sent_at"])
    return True


def invitation_send_later(*, invitation: Invitation) -> None:
    """Queue the invitation's email after commit (email invitations only)."""
    if invitation.channel != Invitation.Channel.EMAIL:
        return
    from surveys.tasks import invitation_send_task

    invitation_id = invitation.pk
    transaction.on_commit(lambda: invitation_send_task.delay(invitation_id))


def invitations_for_trigger(*, trigger: str, customer_id: int, key: str) -> list[Invitation]:
    """Invite the customer to every active survey sent on this trigger, at most once per
    survey and trigger key; invitations the rules refuse (consent, frequency, invited
    already) are skipped. Emails go out after commit."""
    customer = Customer.objects.filter(pk=customer_id).first()
    if customer is None:
        return []
    made = []
    for survey in Survey.objects.filter(status=Survey.Status.ACTIVE, trigger=trigger):
        try:
            with transaction.atomic():
                invitation = invitation_create(
                    survey=survey, customer=customer, trigger=trigger, trigger_key=key
                )
        except ApplicationError:
            continue
        invitation_send_later(invitation=invitation)
        made.append(invitation)
    return made


def invitations_send(*, survey: Survey, customers) -> dict[str, int]:
    """Invite a list of customers (or a segment's members) by email; returns how many
    were invited and how many each rule skipped."""
    counts: dict[str, int] = {"invited": 0}
    for customer in customers:
        try:
            with transaction.atomic():
                invitation = invitation_create(survey=survey, customer=customer)
        except ApplicationError as exc:
            counts[exc.code] = counts.get(exc.code, 0) + 1
            continue
        invitation_send_later(invitation=invitation)
        counts["invited"] += 1
    return counts


def first_order_invitations(*, today: datetime.date | None = None) -> int:
    """Nightly: invite the customers whose first completed order was `trigger_days` ago
    to each active "after the first order" survey; once per customer and survey."""
    today = today or timezone.localdate()
    made = 0
    for survey in Survey.objects.filter(
        status=Survey.Status.ACTIVE, trigger=Survey.Trigger.FIRST_ORDER
    ):
        day = today - datetime.timedelta(days=survey.trigger_days)
        start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
        end = start + datetime.timedelta(days=1)
        for customer_id in Customer.objects.filter(
            first_order_at__gte=start, first_order_at__lt=end
        ).values_list("pk", flat=True):
            made += len(
                invitations_for_trigger(
                    trigger=Survey.Trigger.FIRST_ORDER,
                    customer_id=customer_id,
                    key=f"first-order:{customer_id}",
                )
            )
    return made


def reminders_send(*, now: datetime.datetime | None = None) -> int:
    """Nightly: remind who has not answered, `reminder_days` after the invitation or the
    last reminder, at most `reminder_max` times, while the link is valid."""
    now = now or timezone.now()
    sent = 0
    due = Invitation.objects.filter(
        survey__status=Survey.Status.ACTIVE,
        channel=Invitation.Channel.EMAIL,
        sent_at__isnull=False,
        responded_at__isnull=True,
        expires_at__gt=now,
        reminders_sent__lt=F("survey__reminder_max"),
    ).select_related("survey")
    for invitation in due.iterator():
        last = invitation.last_reminder_at or invitation.sent_at
        if now - last >= datetime.timedelta(days=invitation.survey.reminder_days):
            sent += invitation_send(invitation_id=invitation.pk, reminder=True)
    return sent
