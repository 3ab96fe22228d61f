from django import forms
from django.utils.translation import gettext_lazy as _

from crm.models import Interaction


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
        if not (data.get("subject") or "").strip() and not (data.get("body") or "").strip():
            raise forms.ValidationError(_("Write something: a subject or a text."))
        return data
