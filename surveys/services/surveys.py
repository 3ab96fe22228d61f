"""Surveys and their questions: from templates, settings, and the lock on scored
questions once a survey has answers."""

import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from config.exceptions import ApplicationError
from surveys.models import Question, Survey

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
        last = survey.questions.order_by("-position").values_list("position", flat=True).first()
        data.setdefault("position", (last or 0) + 1)
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


# --- Editing a survey ---------------------------------------------------------------------

SURVEY_TEXTS = ("title", "intro", "thanks")
MAX_SURVEY_TEXT = 2000
SURVEY_EDITABLE = {
    "name", "purpose", *SURVEY_TEXTS, "languages", "completion_bonus", "response_days",
    "frequency_days", "trigger", "trigger_days", "reminder_days", "reminder_max",
    "allow_anonymous", "follow_up_team", "nps_detractor_max", "csat_detractor_max",
    "ces_detractor_max",
}  # fmt: skip
# The model's CHECK constraints, named per field (full_clean only names the constraint).
SURVEY_RANGES = {
    "completion_bonus": (1, 1_000_000),
    "response_days": (1, 365),
    "frequency_days": (0, 3650),
    "trigger_days": (0, 365),
    "reminder_days": (1, 60),
    "reminder_max": (0, 5),
    "nps_detractor_max": (0, 10),
    "csat_detractor_max": (0, 5),
    "ces_detractor_max": (0, 7),
}


def _survey_text(name: str, value: Any) -> dict[str, str]:
    """A text per language, stripped, empty languages left out; ValidationError naming
    the field for a language the interface does not speak or a text too long."""
    if not isinstance(value, dict):
        raise ValidationError({name: _("Give the text per language.")})
    cleaned = {}
    for code, text in value.items():
        if code not in LANGUAGE_CODES:
            raise ValidationError(
                {name: _("Unknown language: %(code)s.") % {"code": str(code)[:8]}}
            )
        text = str(text or "").replace("\x00", "").strip()
        if len(text) > MAX_SURVEY_TEXT:
            raise ValidationError(
                {name: _("Keep each text under %(n)s characters.") % {"n": f"{MAX_SURVEY_TEXT:,}"}}
            )
        if text:
            cleaned[code] = text
    return cleaned


def _survey_languages(survey: Survey, value: Any) -> list[str]:
    """Known codes, at least one; a language added needs every question's text in it."""
    if not isinstance(value, list | tuple) or not value:
        raise ValidationError({"languages": _("Choose at least one language.")})
    languages = list(dict.fromkeys(str(code) for code in value))
    if any(code not in LANGUAGE_CODES for code in languages):
        raise ValidationError({"languages": _("Choose languages the interface speaks.")})
    added = [code for code in languages if code not in survey.languages]
    if added:
        untranslated = [
            question.position
            for question in survey.questions.order_by("position")
            if any(not str(question.text.get(code, "")).strip() for code in added)
        ]
        if untranslated:
            raise ValidationError(
                {
                    "languages": _(
                        "Before adding %(codes)s, give questions %(positions)s their text in it."
                    )
                    % {
                        "codes": ", ".join(added),
                        "positions": ", ".join(str(p) for p in untranslated),
                    }
                }
            )
    return languages


@transaction.atomic
def survey_update(*, survey: Survey, data: dict[str, Any]) -> Survey:
    """Change a survey's settings and texts; only the fields given change.

    `data` may hold name, purpose, title / intro / thanks ({language: text}, each
    replacing the whole field; stripped, at most MAX_SURVEY_TEXT characters, empty
    languages dropped; a title is required), languages (codes of settings.LANGUAGES, at
    least one; removing one is allowed, adding one requires every question's text in
    it), completion_bonus, response_days, frequency_days, trigger, trigger_days,
    reminder_days, reminder_max, allow_anonymous, follow_up_team (a Team or None) and
    the three detractor thresholds. Unknown fields, and values the model refuses, raise
    ValidationError naming the field. Turning on the anonymous link of an active survey
    gives it its public token (as activating does); turning it off keeps the token, so
    the link stops answering and comes back unchanged if turned on again."""
    unknown = set(data) - SURVEY_EDITABLE
    if unknown:
        raise ValidationError({str(name)[:50]: _("Unknown field.") for name in sorted(unknown)})
    # The row lock orders this change after a concurrent activation (the public token).
    current = Survey.objects.select_for_update().only("status", "public_token").get(pk=survey.pk)
    changed = set(data)
    values = dict(data)
    for name in ("name", "purpose"):
        if name in values:
            values[name] = str(values[name] or "").replace("\x00", "").strip()
    if "name" in values and not values["name"]:
        raise ValidationError({"name": _("Give the survey a name.")})
    for name in SURVEY_TEXTS:
        if name in values:
            values[name] = _survey_text(name, values[name])
    if "title" in values and not values["title"]:
        raise ValidationError({"title": _("Give the survey a title.")})
    if "languages" in values:
        values["languages"] = _survey_languages(survey, values["languages"])
    for name, (low, high) in SURVEY_RANGES.items():
        value = values.get(name)
        if name not in values or (value is None and name == "completion_bonus"):
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValidationError(
                {
                    name: _("Give a whole number from %(low)s to %(high)s.")
                    % {"low": low, "high": high}
                }
            )
    for name, value in values.items():
        setattr(survey, name, value)
    survey.status = current.status
    survey.public_token = current.public_token
    if survey.allow_anonymous and survey.status == Survey.Status.ACTIVE and not survey.public_token:
        survey.public_token = token_new()
        changed.add("public_token")
    survey.full_clean()
    survey.save(update_fields=[*sorted(changed), "updated_at"])
    return survey


MAX_CHOICE_VALUE = 100


def question_choices_clean(*, choices: Any, languages: list[str]) -> list[dict]:
    """The answers of a choice question in stored form ([{"value", "label": {language:
    text}}]), for the pages and the API before question_save: unique, non-empty values
    (at most MAX_CHOICE_VALUE characters) and a label in every language of the survey
    (at most MAX_SURVEY_TEXT). ValidationError on `choices` naming the first problem."""
    if not isinstance(choices, list):
        raise ValidationError({"choices": _("Give the answers as a list.")})
    cleaned, seen = [], set()
    for number, choice in enumerate(choices, start=1):
        choice = choice if isinstance(choice, dict) else {}
        value = str(choice.get("value") or "").strip()
        labels = choice.get("label") if isinstance(choice.get("label"), dict) else {}
        where = {"n": number}
        if not value:
            raise ValidationError({"choices": _("Answer %(n)s has no value.") % where})
        if len(value) > MAX_CHOICE_VALUE:
            raise ValidationError(
                {
                    "choices": _("Answer %(n)s: keep the value under %(max)s characters.")
                    % {**where, "max": MAX_CHOICE_VALUE}
                }
            )
        if value in seen:
            raise ValidationError(
                {"choices": _("The value %(value)s is given twice.") % {"value": value}}
            )
        seen.add(value)
        label = {code: str(labels.get(code) or "").strip() for code in languages}
        missing = [code for code, text in label.items() if not text]
        if missing:
            raise ValidationError(
                {
                    "choices": _("Answer %(n)s needs a label in %(codes)s.")
                    % {**where, "codes": ", ".join(missing)}
                }
            )
        if any(len(text) > MAX_SURVEY_TEXT for text in label.values()):
            raise ValidationError(
                {
                    "choices": _("Answer %(n)s: keep each label under %(max)s characters.")
                    % {**where, "max": f"{MAX_SURVEY_TEXT:,}"}
                }
            )
        cleaned.append({"value": value, "label": label})
    return cleaned
