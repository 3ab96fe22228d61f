"""The public survey page, /s/<token>/: no login, the customer's language, one answer.

Unknown links answer 404, expired or closed ones 410, a second answer "already
answered" (409); too many requests from one address or for one link answer 429 with a
polite page. Rate limits count in the shared cache (Redis in production) through
django-ratelimit.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_ratelimit.core import is_ratelimited

from config.exceptions import ApplicationError
from config.security import client_ip
from surveys import services
from surveys.services import LinkError

# Per address and per link, generous for a person and a family behind one router.
RATE_PER_ADDRESS = "60/m"
RATE_PER_LINK = "20/m"


def rate_limited(request, token: str) -> bool:
    by_address = is_ratelimited(
        request,
        group="surveys.public.address",
        key=lambda group, req: client_ip(req) or "unknown",
        rate=RATE_PER_ADDRESS,
        increment=True,
    )
    by_link = is_ratelimited(
        request,
        group="surveys.public.link",
        key=lambda group, req: token[:64],
        rate=RATE_PER_LINK,
        increment=True,
    )
    return by_address or by_link


def _language(request, invitation) -> str:
    """?lang= when the survey speaks it, else the invitation's language."""
    wanted = request.GET.get("lang") or request.POST.get("lang")
    languages = invitation.survey.languages
    return wanted if wanted in languages else invitation.language


def _status_page(request, status: int, title: str, message: str):
    return render(
        request,
        "surveys/public/status.html",
        {"title": title, "message": message},
        status=status,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def survey_page(request, token: str):
    """Draw the survey in the customer's language; on POST store the answers once."""
    if rate_limited(request, token):
        return _status_page(
            request,
            429,
            _("Please wait a moment"),
            _("We received many requests from here. Please try again in a minute."),
        )
    try:
        invitation = services.invitation_for_token(token=token)
    except LinkError as exc:
        title = _("Link not found") if exc.status_code == 404 else _("This survey has ended")
        return _status_page(request, exc.status_code, title, exc.message)
    language = _language(request, invitation)
    request.LANGUAGE_CODE = language
    # The page speaks the customer's language, and only this page: the worker thread
    # goes back to its own language afterwards.
    with translation.override(language):
        return _answer_page(request, token, invitation, language)


def _answer_page(request, token: str, invitation, language: str):
    survey = invitation.survey
    questions = list(survey.questions.order_by("position"))
    if invitation.pk and invitation.responded_at is not None:
        return _status_page(
            request, 409, _("Already answered"), _("Thank you: this survey has been answered.")
        )
    errors, values = {}, {}
    if request.method == "POST":
        values = {
            f"q{q.pk}": (
                request.POST.getlist(f"q{q.pk}")
                if q.kind == "multiple"
                else request.POST.get(f"q{q.pk}", "")
            )
            for q in questions
        }
        try:
            response = services.response_submit(token=token, answers=values, language=language)
        except ValidationError as exc:
            errors = exc.message_dict
        except LinkError as exc:
            return _status_page(request, exc.status_code, _("This survey has ended"), exc.message)
        except ApplicationError as exc:
            return _status_page(request, exc.status_code, _("Already answered"), exc.message)
        else:
            return render(
                request,
                "surveys/public/thanks.html",
                {"survey": survey, "response": response, "language": language},
            )
    else:
        services.invitation_opened(invitation=invitation)
    return render(
        request,
        "surveys/public/form.html",
        {
            "survey": survey,
            "questions": questions,
            "language": language,
            "languages": [(c, n) for c, n in settings.LANGUAGES if c in survey.languages],
            "values": values,
            "errors": errors,
            "token": token,
        },
        status=400 if errors else 200,
    )
