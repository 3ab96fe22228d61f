"""Pages of the surveys app: the public survey page customers answer, and the staff
pages (surveys, results, invitations)."""

from surveys.views.public import survey_page

__all__ = ["survey_page"]
