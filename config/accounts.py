"""Account pages Retain changes from Django's defaults."""

from axes.utils import reset as axes_reset
from django import forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from rest_framework.authtoken.models import Token

# Longer passwords are refused before hashing: hashing megabytes costs the server.
PASSWORD_MAX_LENGTH = 4096


def credentials_changed(*, user) -> None:
    """A new password ends what the old one opened: the user's API tokens are revoked
    (a leaked token must not outlive the reset) and a login lockout is lifted (the
    emailed link or the old password proved who they are)."""
    Token.objects.filter(user=user).delete()
    axes_reset(username=user.get_username())


class LoginForm(AuthenticationForm):
    """Django's login form with real length limits (its max_length is only a widget
    attribute): a 300-character username would reach django-axes' 255-character
    column and fail there."""

    username = forms.CharField(max_length=150, widget=forms.TextInput(attrs={"autofocus": True}))
    password = forms.CharField(
        max_length=PASSWORD_MAX_LENGTH,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = self.username_field.verbose_name.capitalize()
        self.fields["password"].label = AuthenticationForm.base_fields["password"].label


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Choosing a new password through the emailed link: see credentials_changed.

    The lockout page tells a locked-out user to do this; the link proves they own the
    account's mailbox, so the new password works at once.
    """

    def form_valid(self, form):
        response = super().form_valid(form)
        credentials_changed(user=form.user)
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    """A logged-in change of password: see credentials_changed."""

    def form_valid(self, form):
        response = super().form_valid(form)
        credentials_changed(user=form.user)
        return response
