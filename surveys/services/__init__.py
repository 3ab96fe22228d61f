"""Survey writes: surveys from templates, invitations, and the one response per link.

A package: `surveys` (templates, settings, questions), `invitations` (links, sending,
triggers, reminders) and `responses` (answers, bonus, follow-up).

A response is checked question by question (range, required, known choices) before
anything is written; a second submission of the same invitation, even at the same
moment, stores nothing (the unique key on the invitation) and is told "already
answered". The completion bonus goes through loyalty's service, once per response; a
detractor's answer opens exactly one follow-up case through crm's case service.
"""

from surveys.services.invitations import (
    LinkError,
    first_order_invitations,
    invitation_create,
    invitation_for_token,
    invitation_link,
    invitation_opened,
    invitation_send,
    invitation_send_later,
    invitations_for_trigger,
    invitations_send,
    reminders_send,
)
from surveys.services.responses import (
    response_submit,
)
from surveys.services.surveys import (
    LANGUAGE_CODES,
    MAX_SURVEY_TEXT,
    TEMPLATES,
    question_choices_clean,
    question_delete,
    question_save,
    survey_from_template,
    survey_status_set,
    survey_update,
    token_new,
)

__all__ = [
    "MAX_SURVEY_TEXT",
    "LANGUAGE_CODES",
    "LinkError",
    "TEMPLATES",
    "first_order_invitations",
    "invitation_create",
    "invitation_for_token",
    "invitation_link",
    "invitation_opened",
    "invitation_send",
    "invitation_send_later",
    "invitations_for_trigger",
    "invitations_send",
    "question_choices_clean",
    "question_delete",
    "question_save",
    "reminders_send",
    "response_submit",
    "survey_from_template",
    "survey_status_set",
    "survey_update",
    "token_new",
]
