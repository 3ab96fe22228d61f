from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import BLANK_CHOICE_DASH
from django.forms.fields import InvalidJSONInput
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from django_countries.fields import LazyTypedChoiceField

from crm.models import Customer, Interaction, Tag
from crm.selectors import owner_choices


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
        "customer_since", "closed_on", "owner", "email_consent", "sms_consent",
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
        """A service's ValidationError, shown at its fields (or above the form)."""
        if hasattr(error, "error_dict"):
            for field, messages in error.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
        else:
            self.add_error(None, error.messages)


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
        number = text.lstrip("#")
        query = Customer.objects.filter(external_id=text) | Customer.objects.filter(
            email__iexact=text
        )
        if number.isdigit():
            query = query | Customer.objects.filter(pk=int(number))
        found = list(query.exclude(pk=self.survivor.pk)[:2])
        if not found:
            raise ValidationError(_("No other customer has this number, email or external id."))
        if len(found) > 1:
            raise ValidationError(_("Several customers match; give the number (#1042)."))
        return found[0]
