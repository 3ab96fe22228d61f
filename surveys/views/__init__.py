"""Pages of the surveys app: the public survey page customers answer, and the staff
pages (surveys, results, invitations)."""

from surveys.views.public import survey_page
from surveys.views.staff import (
    response_export,
    survey_create,
    survey_detail,
    survey_invite,
    survey_list,
    survey_status,
)

__all__ = [
    "response_export",
    "survey_create",
    "survey_detail",
    "survey_invite",
    "survey_list",
    "survey_page",
    "survey_status",
]
