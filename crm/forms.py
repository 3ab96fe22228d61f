from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import BLANK_CHOICE_DASH
from django.forms.fields import InvalidJSONInput
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from django_countries.fields import LazyTypedChoiceField

from config.validation import whole_number
from crm.models import Case, Customer, ImportJob, Interaction, Tag, Team
from crm.selectors import case_assignees, customers_by_email, owner_choices
from crm.services.cases import ALLOWED_TRANSITIONS


class InteractionForm(forms.Form):
    """A timeline entry typed by staff on the customer profile."""

    kind = forms.ChoiceField(
        label=_("Type"), choices=Interaction.Kind.choices, initial=Interaction.Kind.NOTE
    )
    direction = forms.ChoiceField(
        label=_("Direction"),
        choices=Interaction.Direction.choices,
        initial=Interaction.Direction.INTERNAL,
    )
    subject = forms.CharField(label=_("Subject"), max_length=200, required=False)
    body = forms.CharField(
        label=_("Text"), max_length=20000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean(self):
        data = super().clean()
        if "subject" in self.errors or "body" in self.errors:
            return data  # a field's own error (too long) says enough
        if not (data.get("subject") or "").strip() and not (data.get("body") or "").strip():
            raise forms.ValidationError(_("Write something: a subject or a text."))
        return data


class _AttributesField(forms.JSONField):
    """JSON in a text area; no attributes show as an empty box, not "null" or "{}"."""

    def prepare_value(self, value):
        if value in (None, {}, "null", "{}"):
            return ""
        return super().prepare_value(value)

    def to_python(self, value):
        try:
            return super().to_python(value)
        except RecursionError:  # "[[[[…" thousands deep: the JSON library gives up
            raise ValidationError(_("The JSON is nested too deeply.")) from None
        except ValueError:  # an integer of thousands of digits: Python refuses to read it
            raise ValidationError(_("Enter a valid JSON.")) from None

    def bound_data(self, data, initial):
        try:
            return super().bound_data(data, initial)
        except RecursionError:  # redisplay what was typed, as Django does for bad JSON
            return InvalidJSONInput(data)


class CustomerForm(forms.Form):
    """A customer's fields as staff edit them in a page; crm.services keeps the rules.

    The form checks types and lengths; every business rule (a name, email or company;
    dates in range; customer_since against the first order; unique email) comes back
    from customer_create/customer_update as inline field errors.
    """

    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    company = forms.CharField(label=_("Company"), max_length=200, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=40,
        required=False,
        help_text=_("With the country code, or local to the customer's country."),
    )
    country = LazyTypedChoiceField(
        label=_("Country"), choices=BLANK_CHOICE_DASH + list(countries), required=False
    )
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    birthday = forms.DateField(
        label=_("Birthday"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    customer_since = forms.DateField(
        label=_("Customer since"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Leave empty for today."),
    )
    closed_on = forms.DateField(
        label=_("Closed on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("The day the relationship ended; empty while it lasts."),
    )
    owner = forms.ModelChoiceField(
        label=_("Owner"),
        queryset=owner_choices(),
        required=False,
        to_field_name="username",
        empty_label=_("No owner"),
    )
    tags = forms.ModelMultipleChoiceField(
        label=_("Tags"),
        queryset=Tag.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-selectgroup-input"}),
    )
    email_consent = forms.BooleanField(label=_("Agrees to emails"), required=False)
    sms_consent = forms.BooleanField(label=_("Agrees to text messages"), required=False)
    external_id = forms.CharField(
        label=_("External id"),
        max_length=100,
        required=False,
        help_text=_("The customer's id in the shop or billing system."),
    )
    attributes = _AttributesField(
        label=_("Attributes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
        help_text=_('Other facts as JSON, e.g. {"shoe_size": 38}.'),
    )

    SERVICE_FIELDS = (
        "first_name", "last_name", "company", "email", "phone", "country", "language",
        "birthday", "customer_since", "closed_on", "owner", "email_consent", "sms_consent",
        "external_id", "attributes",
    )  # fmt: skip

    @classmethod
    def initial_for(cls, customer: Customer) -> dict:
        initial = {name: getattr(customer, name) for name in cls.SERVICE_FIELDS}
        initial["country"] = customer.country.code or ""
        initial["phone"] = customer.phone.as_international if customer.phone else ""
        initial["owner"] = customer.owner
        initial["external_id"] = customer.external_id or ""
        initial["tags"] = list(customer.tags.all())
        return initial

    def service_data(self, *, customer: Customer | None = None) -> tuple[dict, list]:
        """The cleaned values as customer_create/customer_update take them: on an edit,
        only the fields that changed (so an unchanged old value never blocks a save)."""
        data = {name: self.cleaned_data[name] for name in self.SERVICE_FIELDS}
        if data["attributes"] is None:
            data["attributes"] = {}
        if customer is None:
            if data["customer_since"] is None:
                del data["customer_since"]
        else:
            initial = self.initial_for(customer)
            data = {name: value for name, value in data.items() if value != initial[name]}
            if "customer_since" in data and data["customer_since"] is None:
                del data["customer_since"]  # an emptied date keeps the stored one
        return data, list(self.cleaned_data["tags"])

    def add_service_error(self, error: ValidationError) -> None:
        _add_service_error(self, error)


class CustomerDeleteForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("Yes, delete this customer and their timeline"), required=True
    )


class CustomerMergeForm(forms.Form):
    """Which duplicate to merge into this customer: found by #number, email or external
    id; the second step confirms after showing both."""

    duplicate = forms.CharField(
        label=_("Duplicate customer"),
        max_length=254,
        help_text=_("Its number (#1042), email or external id. It is deleted after the merge."),
    )
    confirm = forms.BooleanField(
        label=_("Yes, move everything to this customer and delete the duplicate"),
        required=False,
    )

    def __init__(self, *args, survivor: Customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.survivor = survivor

    def clean_duplicate(self):
        text = self.cleaned_data["duplicate"].strip()
        number = whole_number(text.lstrip("#"))
        query = Customer.objects.filter(external_id=text) | customers_by_email(text)
        if number is not None:
            query = query | Customer.objects.filter(pk=number)
        found = list(query.exclude(pk=self.survivor.pk)[:2])
        if not found:
            raise ValidationError(_("No other customer has this number, email or external id."))
        if len(found) > 1:
            raise ValidationError(_("Several customers match; give the number (#1042)."))
        return found[0]


def _add_service_error(form: forms.Form, error: ValidationError) -> None:
    """A service's ValidationError at its fields, or above the form."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


DUE_INPUT_FORMAT = "%Y-%m-%dT%H:%M"


class _DueField(forms.DateTimeField):
    """A due time typed to the minute in the business time zone. The stored value, sent
    back as shown, stays exactly as stored: its seconds are not cut, and a time in the
    hour that repeats when the clocks go back is not refused as ambiguous."""

    shown: tuple[str, object] | None = None  # (the text shown, the stored value)

    def clean(self, value):
        if self.shown is not None and value == self.shown[0]:
            return self.shown[1]
        return super().clean(value)


def _due_field() -> forms.DateTimeField:
    return _DueField(
        label=_("Due"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DUE_INPUT_FORMAT),
        help_text=_("Leave empty to use the priority's time (urgent 4 hours, high 1 day, …)."),
    )


class CaseForm(forms.Form):
    """A new case, or a case's fields as staff change them; crm.services keeps the rules."""

    subject = forms.CharField(label=_("Subject"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        max_length=20000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    priority = forms.ChoiceField(
        label=_("Priority"), choices=Case.Priority.choices, initial=Case.Priority.NORMAL
    )
    source = forms.ChoiceField(
        label=_("Source"), choices=Case.Source.choices, initial=Case.Source.MANUAL
    )
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=Team.objects.order_by("name"), required=False,
        empty_label=_("No team"),
    )  # fmt: skip
    assignee = forms.ModelChoiceField(
        label=_("Assignee"), queryset=case_assignees(), required=False,
        empty_label=_("Unassigned"),
    )  # fmt: skip
    due_at = _due_field()

    EDIT_FIELDS = ("subject", "description", "priority", "team", "assignee", "due_at")

    def __init__(self, *args, case: Case | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].label_from_instance = _user_label
        if case is not None:  # editing: the source is how the case came in, it stays
            del self.fields["source"]
            self.fields["due_at"].help_text = ""
            if case.due_at is not None:
                shown = timezone.localtime(case.due_at).strftime(DUE_INPUT_FORMAT)
                self.fields["due_at"].shown = (shown, case.due_at)
            if case.assignee_id is not None:
                # Someone who no longer works cases stays assigned until changed.
                self.fields["assignee"].queryset = case_assignees(keep=case.assignee_id)

    @classmethod
    def initial_for(cls, case: Case) -> dict:
        return {name: getattr(case, name) for name in cls.EDIT_FIELDS}

    def changed_data_for(self, case: Case) -> dict:
        """The fields that differ from the case, as case_update takes them."""
        data = {name: self.cleaned_data[name] for name in self.EDIT_FIELDS}
        if data["due_at"] is None:
            del data["due_at"]  # an emptied due time keeps the stored one
        return {name: value for name, value in data.items() if value != getattr(case, name)}

    add_service_error = _add_service_error


def _user_label(user) -> str:
    return user.get_full_name() or user.get_username()


THEN_KEEP = ""


class CaseCommentForm(forms.Form):
    """A comment on a case: a reply to the customer, an internal note, or the customer's
    answer received some other way; optionally moving the case on."""

    KINDS = [
        ("reply", _("Reply to the customer")),
        ("note", _("Internal note")),
        ("customer", _("Customer's answer")),
    ]
    kind = forms.ChoiceField(
        label=_("Comment"), choices=KINDS, initial="reply", widget=forms.RadioSelect
    )
    channel = forms.ChoiceField(
        label=_("By"),
        required=False,
        choices=[
            (Interaction.Kind.EMAIL, _("Email")),
            (Interaction.Kind.CALL, _("Call")),
            (Interaction.Kind.CHAT, _("Chat")),
        ],
        initial=Interaction.Kind.EMAIL,
    )
    body = forms.CharField(
        label=_("Text"), max_length=20000, widget=forms.Textarea(attrs={"rows": 4})
    )
    then = forms.ChoiceField(label=_("Then"), required=False)

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = [s for s in Case.Status if s in ALLOWED_TRANSITIONS[case.status]]
        self.fields["then"].choices = [(THEN_KEEP, _("Keep the status"))] + [
            (s.value, _set_status_label(s)) for s in allowed if s != Case.Status.OPEN
        ]

    add_service_error = _add_service_error


def _set_status_label(status) -> str:
    return {
        Case.Status.PENDING: _("Wait for the customer"),
        Case.Status.RESOLVED: _("Resolve"),
        Case.Status.CLOSED: _("Close"),
    }.get(status, status.label)


class CaseStatusForm(forms.Form):
    status = forms.ChoiceField(choices=Case.Status.choices)


class SegmentForm(forms.Form):
    """A segment as staff build it: the rule comes from the page's builder as JSON
    (or typed as JSON without JavaScript); crm.segments checks it condition by condition."""

    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(
        label=_("Description"), max_length=500, required=False,
        help_text=_("Who these customers are and what the segment is for."),
    )  # fmt: skip
    tracked = forms.BooleanField(
        label=_("Tracked: compute its retention figures every night"), required=False
    )
    rule = _AttributesField(
        label=_("Rule (JSON)"),
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
    )

    add_service_error = _add_service_error


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What the file holds"), choices=ImportJob.Kind.choices, widget=forms.RadioSelect
    )
    file = forms.FileField(label=_("CSV file"))
    mode = forms.ChoiceField(
        label=_("Orders are"), choices=ImportJob.Mode.choices, initial=ImportJob.Mode.HISTORY,
        required=False,
    )  # fmt: skip
    encoding = forms.ChoiceField(
        label=_("Encoding"),
        choices=[("auto", _("Detect")), ("utf-8", "UTF-8"), ("cp1257", "Windows-1257 (Baltic)"),
                 ("cp1250", "Windows-1250 (Central European)"),
                 ("cp1251", "Windows-1251 (Cyrillic)"), ("cp1252", "Windows-1252 (Western)")],
        initial="auto",
    )  # fmt: skip
    delimiter = forms.ChoiceField(
        label=_("Fields separated by"),
        choices=[("", _("Detect")), (",", _("Comma (,)")), (";", _("Semicolon (;)"))],
        required=False,
    )

    add_service_error = _add_service_error


class ImportMappingForm(forms.Form):
    """One choice per column of the file: which of ours it is, or ignore it."""

    def __init__(self, *args, job: ImportJob, columns: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.job = job
        choices = [("", _("— ignore —"))] + [(c, c) for c in columns]
        for index, name in enumerate(job.header):
            self.fields[f"col{index}"] = forms.ChoiceField(
                label=name or _("(no name)"), choices=choices, required=False,
                initial=job.mapping.get(name, ""),
            )  # fmt: skip

    def mapping(self) -> dict[str, str]:
        return {
            name: self.cleaned_data[f"col{index}"]
            for index, name in enumerate(self.job.header)
            if name and self.cleaned_data.get(f"col{index}")
        }

    add_service_error = _add_service_error
