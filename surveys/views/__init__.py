"""Pages of the surveys app: the public survey page customers answer, and the staff
pages (surveys, results, invitations)."""

from surveys.views.public import survey_page
from surveys.views.staff import (
    question_create,
    question_delete,
    question_edit,
    response_export,
    survey_create,
    survey_detail,
    survey_edit,
    survey_invite,
    survey_list,
    survey_status,
)

__all__ = [
    "question_create",
    "question_delete",
    "question_edit",
    "response_export",
    "survey_create",
    "survey_detail",
    "survey_edit",
    "survey_invite",
    "survey_list",
    "survey_page",
    "survey_status",
]
