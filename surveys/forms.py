"""The staff pages' forms: they check types and ranges; the services' refusals come back
as inline field errors."""

import datetime

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.exceptions import ApplicationError
from crm.models import Team
from surveys.models import Question, Survey
from surveys.services import MAX_SURVEY_TEXT, question_choices_clean

TEMPLATE_CHOICES = [
    ("nps", gettext_lazy("NPS: how likely to recommend us (0-10)")),
    ("csat", gettext_lazy("CSAT after a case: how satisfied (1-5)")),
    ("ces", gettext_lazy("CES: how easy it was (1-7)")),
]
CATEGORY_CHOICES = [
    ("", gettext_lazy("Every answer")),
    ("promoter", gettext_lazy("Promoters")),
    ("passive", gettext_lazy("Passives")),
    ("detractor", gettext_lazy("Detractors")),
    ("ok", gettext_lazy("Not detractors (CSAT, CES)")),
]
# Filter dates outside these years cannot be turned into a moment in every time zone.
EARLIEST_DAY = datetime.date(1970, 1, 1)
LATEST_DAY = datetime.date(2999, 12, 31)


def _add_service_error(form: forms.Form, error: ValidationError | ApplicationError) -> None:
    """A service's refusal at the fields it names, the rest above the form."""
    if isinstance(error, ApplicationError):
        for name, messages in error.fields.items():
            if name in form.fields:
                form.add_error(name, messages)
        form.add_error(None, error.message)
    elif hasattr(error, "error_dict"):
        for name, messages in error.message_dict.items():
            form.add_error(name if name in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


class SurveyCreateForm(forms.Form):
    """A new survey from a template; the service checks the rest (the model's ranges)."""

    template = forms.ChoiceField(
        label=gettext_lazy("Template"),
        choices=TEMPLATE_CHOICES,
        initial="nps",
        widget=forms.RadioSelect,
    )
    name = forms.CharField(label=gettext_lazy("Name"), max_length=150)
    languages = forms.MultipleChoiceField(
        label=gettext_lazy("Languages"),
        choices=settings.LANGUAGES,
        initial=[code for code, _name in settings.LANGUAGES],
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Customers answer in their language when the survey speaks it."),
    )
    completion_bonus = forms.IntegerField(
        label=gettext_lazy("Completion bonus (points)"),
        required=False,
        min_value=1,
        max_value=1_000_000,
        help_text=gettext_lazy("Loyalty points for answering. Empty: no bonus."),
    )
    response_days = forms.IntegerField(
        label=gettext_lazy("Days to answer"), min_value=1, max_value=365, initial=30
    )
    frequency_days = forms.IntegerField(
        label=gettext_lazy("Ask a customer at most once per (days)"),
        min_value=0,
        max_value=3650,
        initial=90,
    )
    trigger = forms.ChoiceField(
        label=gettext_lazy("Sent automatically"),
        choices=Survey.Trigger.choices,
        required=False,
        initial="",
    )
    trigger_days = forms.IntegerField(
        label=gettext_lazy("Days after the first order"),
        min_value=0,
        max_value=365,
        initial=14,
        help_text=gettext_lazy('Only for "Some days after the first order".'),
    )
    reminder_days = forms.IntegerField(
        label=gettext_lazy("Remind non-responders after (days)"),
        min_value=1,
        max_value=60,
        initial=5,
    )
    reminder_max = forms.IntegerField(
        label=gettext_lazy("At most this many reminders"), min_value=0, max_value=5, initial=1
    )
    allow_anonymous = forms.BooleanField(
        label=gettext_lazy("Anonymous public link"),
        required=False,
        help_text=gettext_lazy("Anyone with the link can answer, without a personal invitation."),
    )

    follow_up_team = forms.ModelChoiceField(
        label=gettext_lazy("Team for follow-up cases"),
        queryset=Team.objects.order_by("name"),
        required=False,
        empty_label=gettext_lazy("No team (unassigned)"),
        help_text=gettext_lazy("A detractor's case goes to the customer's owner, else here."),
    )

    def service_data(self) -> dict:
        """The keyword arguments of services.survey_from_template."""
        return dict(self.cleaned_data)

    def add_service_error(self, error: ValidationError | ApplicationError) -> None:
        _add_service_error(self, error)


class StatusForm(forms.Form):
    """Activate (or reopen) and close; a survey does not go back to draft."""

    status = forms.ChoiceField(
        choices=[
            (Survey.Status.ACTIVE, gettext_lazy("Active")),
            (Survey.Status.CLOSED, gettext_lazy("Closed")),
        ]
    )


# A hand-typed list: enough for a morning's calls, not a mailing (that is a segment).
MAX_LISTED = 200


class InviteForm(forms.Form):
    """Invite a segment's members, or customers listed by email or external id."""

    segment = forms.ModelChoiceField(
        label=gettext_lazy("Segment"),
        queryset=None,
        required=False,
        empty_label=gettext_lazy("Choose a segment"),
        error_messages={"invalid_choice": gettext_lazy("Choose one of the segments.")},
    )
    customers = forms.CharField(
        label=gettext_lazy("Or these customers"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
        help_text=gettext_lazy("Emails or external ids, one per line."),
    )

    def __init__(self, *args, segments, visible, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["segment"].queryset = segments
        self.visible = visible

    def clean_customers(self) -> list:
        lines = [line.strip() for line in self.cleaned_data["customers"].splitlines()]
        keys = list(dict.fromkeys(line for line in lines if line))
        if len(keys) > MAX_LISTED:
            raise ValidationError(
                _("List at most %(n)s customers; use a segment for more.") % {"n": MAX_LISTED}
            )
        emails = [k.lower() for k in keys if "@" in k]
        found = list(
            self.visible.annotate(email_lower=Lower("email"))
            .filter(Q(email_lower__in=emails) | Q(external_id__in=keys))
            .order_by("pk")
        )
        known = {c.email.lower() for c in found if c.email} | {c.external_id for c in found}
        unknown = [k for k in keys if k not in known and k.lower() not in known]
        if unknown:
            raise ValidationError(
                _("Unknown customers: %(keys)s.") % {"keys": ", ".join(unknown[:5])}
            )
        return found

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("segment") and not data.get("customers"):
            raise ValidationError(_("Choose a segment or list customers."))
        return data


class DayField(forms.DateField):
    """A business day within the years a moment can be stored for."""

    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

    def validate(self, value):
        super().validate(value)
        if value is not None and not EARLIEST_DAY <= value <= LATEST_DAY:
            raise ValidationError(
                _("Give a date from %(start)s to %(end)s.")
                % {"start": EARLIEST_DAY.isoformat(), "end": LATEST_DAY.isoformat()}
            )


class CommentFilterForm(forms.Form):
    """The results page's comment filters, read from the address."""

    category = forms.ChoiceField(
        label=gettext_lazy("Category"), choices=CATEGORY_CHOICES, required=False
    )
    submitted_from = DayField(label=gettext_lazy("From"), required=False)
    submitted_to = DayField(label=gettext_lazy("To"), required=False)


def language_name(code: str) -> str:
    return str(dict(settings.LANGUAGES).get(code, code))


class SurveyEditForm(SurveyCreateForm):
    """A survey's settings and its texts: the creation form without the template, plus
    the purpose, the detractor thresholds and one input per language of the survey for
    the title, introduction and thank-you text. The service checks the rest."""

    template = None
    purpose = forms.CharField(label=gettext_lazy("Purpose"), max_length=300, required=False)
    nps_detractor_max = forms.IntegerField(
        label=gettext_lazy("NPS follow-up at or below"), min_value=0, max_value=10
    )
    csat_detractor_max = forms.IntegerField(
        label=gettext_lazy("CSAT follow-up at or below"), min_value=0, max_value=5
    )
    ces_detractor_max = forms.IntegerField(
        label=gettext_lazy("CES follow-up at or below"), min_value=0, max_value=7
    )

    TEXTS = {
        "title": (gettext_lazy("Title"), forms.TextInput),
        "intro": (gettext_lazy("Introduction"), forms.Textarea(attrs={"rows": 3})),
        "thanks": (gettext_lazy("Thank-you text"), forms.Textarea(attrs={"rows": 2})),
    }
    SETTINGS = [
        "name", "purpose", "languages", "completion_bonus", "response_days",
        "frequency_days", "trigger", "trigger_days", "reminder_days", "reminder_max",
        "allow_anonymous", "follow_up_team", "nps_detractor_max", "csat_detractor_max",
        "ces_detractor_max",
    ]  # fmt: skip

    def __init__(self, *args, survey: Survey, **kwargs):
        initial = {name: getattr(survey, name) for name in self.SETTINGS}
        for name in self.TEXTS:
            texts = getattr(survey, name) or {}
            initial.update({f"{name}_{code}": texts.get(code, "") for code in survey.languages})
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        self.survey = survey
        self.text_groups = []
        for name, (label, widget) in self.TEXTS.items():
            group = []
            for code in survey.languages:
                field_name = f"{name}_{code}"
                self.fields[field_name] = forms.CharField(
                    label=language_name(code),
                    required=False,
                    max_length=MAX_SURVEY_TEXT,
                    widget=widget,
                )
                group.append(field_name)
            self.text_groups.append((name, label, group))

    def text_fields(self):
        """[(name, label, [bound fields per language])] for the template."""
        return [(name, label, [self[f] for f in group]) for name, label, group in self.text_groups]

    def service_data(self) -> dict:
        """The `data` of services.survey_update."""
        data = {name: self.cleaned_data[name] for name in self.SETTINGS}
        data["trigger"] = data["trigger"] or ""
        for name, _label, group in self.text_groups:
            data[name] = {f.rsplit("_", 1)[1]: self.cleaned_data[f] for f in group}
        return data

    def add_service_error(self, error: ValidationError | ApplicationError) -> None:
        """A refusal of a text (no field of its own here) above the form, named."""
        if hasattr(error, "error_dict"):
            for name, label, _group in self.text_groups:
                if name in error.error_dict:
                    for message in error.message_dict[name]:
                        self.add_error(None, f"{label}: {message}")
            rest = {k: v for k, v in error.error_dict.items() if k not in self.TEXTS}
            if rest:
                _add_service_error(self, ValidationError(rest))
            return
        _add_service_error(self, error)


CHOICE_KINDS = (Question.Kind.SINGLE, Question.Kind.MULTIPLE)


class QuestionForm(forms.Form):
    """A question: its kind, whether it is required, its text in every language of the
    survey and, for choice kinds, its answers, one a line: `value | label | label ...`
    with a label per language in the survey's order. The service checks the locks."""

    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=Question.Kind.choices)
    required = forms.BooleanField(label=gettext_lazy("Required"), required=False)
    choices = forms.CharField(
        label=gettext_lazy("Answers to choose from"),
        required=False,
        max_length=50_000,
        widget=forms.Textarea(attrs={"rows": 5, "class": "font-monospace"}),
    )

    def __init__(self, *args, survey: Survey, question: Question | None = None, **kwargs):
        if question is not None:
            initial = {"kind": question.kind, "required": question.required}
            initial.update({f"text_{c}": question.text.get(c, "") for c in survey.languages})
            initial["choices"] = "\n".join(
                " | ".join([c["value"], *(c["label"].get(code, "") for code in survey.languages)])
                for c in question.choices
            )
            kwargs.setdefault("initial", initial)
        else:
            kwargs.setdefault("initial", {"kind": Question.Kind.TEXT, "required": True})
        super().__init__(*args, **kwargs)
        self.survey = survey
        names = " | ".join(language_name(code) for code in survey.languages)
        self.fields["choices"].help_text = _(
            "For one or several choices: one answer a line, as value | %(labels)s."
        ) % {"labels": names}
        self.text_names = []
        for code in survey.languages:
            self.fields[f"text_{code}"] = forms.CharField(
                label=language_name(code),
                max_length=MAX_SURVEY_TEXT,
                error_messages={"required": gettext_lazy("Give the question in this language.")},
            )
            self.text_names.append(f"text_{code}")

    def text_fields(self):
        return [self[name] for name in self.text_names]

    def clean_choices(self):
        """The lines as [{"value", "label": {language: text}}]."""
        choices = []
        for line in self.cleaned_data["choices"].splitlines():
            if not line.strip():
                continue
            value, *labels = [part.strip() for part in line.split("|")]
            if len(labels) > len(self.survey.languages):
                raise ValidationError(
                    _("%(value)s has more labels than the survey has languages.")
                    % {"value": value or "?"}
                )
            label = dict(zip(self.survey.languages, labels, strict=False))
            choices.append({"value": value, "label": label})
        return choices

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") in CHOICE_KINDS and "choices" in cleaned:
            try:
                cleaned["choices"] = question_choices_clean(
                    choices=cleaned["choices"], languages=self.survey.languages
                )
            except ValidationError as exc:
                self.add_error("choices", exc.message_dict["choices"])
        return cleaned

    def service_data(self) -> dict:
        """The `data` of services.question_save (answers only for choice kinds)."""
        kind = self.cleaned_data["kind"]
        return {
            "kind": kind,
            "required": self.cleaned_data["required"],
            "text": {name[5:]: self.cleaned_data[name] for name in self.text_names},
            "choices": self.cleaned_data["choices"] if kind in CHOICE_KINDS else [],
        }

    def add_service_error(self, error: ValidationError | ApplicationError) -> None:
        _add_service_error(self, error)


class DeleteForm(forms.Form):
    """A deletion needs its box ticked."""

    confirm = forms.BooleanField(
        label=gettext_lazy("Yes, delete this question"),
        error_messages={"required": gettext_lazy("Tick the box to confirm.")},
    )
