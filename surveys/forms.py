"""The staff pages' forms: they check types and ranges; the services' refusals come back
as inline field errors."""

import datetime

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.exceptions import ApplicationError
from crm.models import Team
from surveys.models import Survey

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


class InviteForm(forms.Form):
    """Invite a segment's members by email."""

    segment = forms.ModelChoiceField(
        label=gettext_lazy("Segment"),
        queryset=None,
        empty_label=gettext_lazy("Choose a segment"),
        error_messages={"invalid_choice": gettext_lazy("Choose one of the segments.")},
    )

    def __init__(self, *args, segments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["segment"].queryset = segments


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
