"""Account pages Retain changes from Django's defaults."""

from axes.utils import reset as axes_reset
from django.contrib.auth import views as auth_views


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Choosing a new password through the emailed link also lifts a lockout.

    The lockout page tells a locked-out user to reset the password; the link proves
    they own the account's mailbox, so the failed attempts of that username (from
    every address) are forgotten and the new password works at once.
    """

    def form_valid(self, form):
        response = super().form_valid(form)
        axes_reset(username=form.user.get_username())
        return response
