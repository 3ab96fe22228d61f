"""Staff pages of surveys: the list with each survey's headline score, a new survey from
a template, the results page (distribution, metric with its margin of error, comments),
activating and closing, inviting a segment, the responses as CSV, and editing a survey's
settings, texts and questions.

Forms check types and ranges; every write is one service call whose refusals show
inline at status 400.
"""

import csv
import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.exceptions import ApplicationError
from crm import selectors as crm_selectors
from surveys import selectors, services
from surveys.forms import (
    CommentFilterForm,
    DeleteForm,
    InviteForm,
    QuestionForm,
    StatusForm,
    SurveyCreateForm,
    SurveyEditForm,
)
from surveys.models import Question, Survey
from surveys.tasks import invite_segment_task

# Up to this many members are invited while the page waits; more go to a worker.
INVITE_INLINE_MAX = 500

SURVEY_PAGE_SIZE = 50
COMMENT_PAGE_SIZE = 25
EXPORT_CHUNK = 2000
EXPORT_COLUMNS = [
    "submitted_at", "customer_id", "customer_name", "language", "score_kind", "score",
    "category", "comment", "bonus_points", "follow_up_case",
]  # fmt: skip
# A spreadsheet runs a cell that starts with one of these as a formula: such text gets a
# leading apostrophe (OWASP "CSV injection"), as crm's exports do.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FREE_TEXT = {"customer_name", "comment"}


def _survey(pk: int) -> Survey:
    """A survey with the list's counts (scored kind, invited, answered, responses)."""
    survey = selectors.survey_list().filter(pk=pk).first()
    if survey is None:
        raise Http404(_("No such survey."))
    return survey


def public_url(survey: Survey) -> str | None:
    if not (survey.allow_anonymous and survey.public_token):
        return None
    return f"{settings.PUBLIC_BASE_URL}/s/{survey.public_token}/"


# --- The list and a new survey -------------------------------------------------------------


@require_GET
@login_required
@permission_required("surveys.view_survey", raise_exception=True)
def survey_list(request):
    """Every survey with its status, scored kind, invitations, responses, response rate
    and headline score; a fixed number of queries however many surveys."""
    page = Paginator(selectors.survey_list(), SURVEY_PAGE_SIZE).get_page(request.GET.get("page"))
    surveys = list(page.object_list)
    headlines = selectors.survey_headlines(surveys=surveys)
    for survey in surveys:
        survey.results = headlines[survey.pk]
        survey.rate = selectors.response_rate(invited=survey.invited, answered=survey.answered)
    context = {"page": page, "surveys": surveys}
    return render(request, "surveys/survey_list.html", context)


@require_http_methods(["GET", "POST"])
@login_required
@permission_required("surveys.add_survey", raise_exception=True)
def survey_create(request):
    """A draft survey from the NPS, CSAT or CES template."""
    form = SurveyCreateForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            survey = services.survey_from_template(**form.service_data())
        except (ValidationError, ApplicationError) as exc:
            form.add_service_error(exc)
        else:
            messages.success(
                request,
                _("Survey %(name)s created as a draft: activate it to collect answers.")
                % {"name": survey.name},
            )
            return redirect("surveys:survey-detail", pk=survey.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "surveys/survey_form.html", {"form": form}, status=status)


# --- Results -------------------------------------------------------------------------------


def _detail(
    request,
    survey: Survey,
    *,
    questions: list[Question] | None = None,
    invite_form: InviteForm | None = None,
    status=200,
):
    """The results page: the survey's facts, its questions, its results and comments
    (for those who may read responses), and the actions the user may take."""
    user = request.user
    if questions is None:
        questions = list(survey.questions.order_by("position"))
    answered = survey.responses_count > 0
    for question in questions:
        question.locked = question.scored and answered  # as services.question_save
    context = {"survey": survey, "public_url": public_url(survey), "questions": questions}
    context["rate"] = selectors.response_rate(invited=survey.invited, answered=survey.answered)
    if user.has_perm("surveys.add_invitation"):
        segments = crm_selectors.segment_visible(user=user).order_by("name", "id")
        context["invite_form"] = invite_form or InviteForm(
            segments=segments, visible=crm_selectors.customer_visible(user=user)
        )
    if user.has_perm("surveys.view_response"):
        context["results"] = selectors.survey_results(survey=survey)
        filters = CommentFilterForm(request.GET)
        filters.is_valid()
        data = filters.cleaned_data  # the valid filters only
        comments = selectors.response_list(
            survey=survey,
            category=data.get("category") or None,
            submitted_from=data.get("submitted_from"),
            submitted_to=data.get("submitted_to"),
            with_comment=True,
        )
        page = Paginator(comments, COMMENT_PAGE_SIZE).get_page(request.GET.get("page"))
        context.update(
            filters=filters,
            filter_errors=[(filters.fields[n].label, e) for n, e in filters.errors.items()],
            filtered=any(data.get(n) for n in ("category", "submitted_from", "submitted_to")),
            page=page,
            export_query=request.GET.urlencode(),
        )
    return render(request, "surveys/survey_detail.html", context, status=status)


@require_GET
@login_required
@permission_required("surveys.view_survey", raise_exception=True)
def survey_detail(request, pk: int):
    found = selectors.survey_with_questions(pk=pk)
    if found is None:
        raise Http404(_("No such survey."))
    survey, questions = found
    return _detail(request, survey, questions=questions)


@require_POST
@login_required
@permission_required("surveys.change_survey", raise_exception=True)
def survey_status(request, pk: int):
    """Activate (or reopen) and close a survey."""
    survey = _survey(pk)
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose to activate or to close the survey."))
        return redirect("surveys:survey-detail", pk=survey.pk)
    services.survey_status_set(survey=survey, status=form.cleaned_data["status"])
    if survey.status == Survey.Status.ACTIVE:
        messages.success(request, _("The survey is active: its links can be answered."))
    else:
        messages.success(request, _("The survey is closed: its links answer no more."))
    return redirect("surveys:survey-detail", pk=survey.pk)


def _skip_reasons() -> dict[str, str]:
    return {
        "no_email_consent": _("without email consent"),
        "too_soon": _("asked too recently"),
        "already_invited": _("invited already"),
        "survey_inactive": _("because the survey is not active"),
    }


def invite_summary(counts: dict[str, int]) -> str:
    """ "3 invited; skipped: 1 without email consent, 2 asked too recently." """
    reasons = _skip_reasons()
    skipped = [
        _("%(n)s %(reason)s") % {"n": n, "reason": reasons.get(code, code)}
        for code, n in sorted(counts.items())
        if code != "invited" and n
    ]
    text = _("%(n)s invited.") % {"n": counts.get("invited", 0)}
    if skipped:
        text = _("%(n)s invited; skipped: %(skipped)s.") % {
            "n": counts.get("invited", 0),
            "skipped": ", ".join(skipped),
        }
    return text


@require_POST
@login_required
@permission_required("surveys.add_invitation", raise_exception=True)
def survey_invite(request, pk: int):
    """Invite a segment's members by email (each after the survey's rules); the counts
    of invited and skipped customers come back as a message."""
    survey = _survey(pk)
    segments = crm_selectors.segment_visible(user=request.user).order_by("name", "id")
    visible = crm_selectors.customer_visible(user=request.user)
    form = InviteForm(request.POST, segments=segments, visible=visible)
    if not form.is_valid():
        return _detail(request, survey, invite_form=form, status=400)
    if form.cleaned_data["customers"]:
        counts = services.invitations_send(survey=survey, customers=form.cleaned_data["customers"])
        level = messages.SUCCESS if counts.get("invited") else messages.WARNING
        messages.add_message(request, level, invite_summary(counts))
        return redirect("surveys:survey-detail", pk=survey.pk)
    segment = form.cleaned_data["segment"]
    members = crm_selectors.segment_members(segment=segment, user=request.user)
    total = members.count()
    if total > INVITE_INLINE_MAX:  # a big segment: a worker invites, the page answers now
        survey_id, segment_id, user_id = survey.pk, segment.pk, request.user.pk
        transaction.on_commit(lambda: invite_segment_task.delay(survey_id, segment_id, user_id))
        messages.info(
            request,
            _("Inviting the segment's %(n)s members in the background; refresh in a minute.")
            % {"n": total},
        )
        return redirect("surveys:survey-detail", pk=survey.pk)
    counts = services.invitations_send(survey=survey, customers=members.order_by("pk").iterator())
    level = messages.SUCCESS if counts.get("invited") else messages.WARNING
    messages.add_message(request, level, invite_summary(counts))
    return redirect("surveys:survey-detail", pk=survey.pk)


# --- Export --------------------------------------------------------------------------------


class _Echo:
    """A file-like object whose write() returns the line, for csv.writer and streaming."""

    def write(self, value: str) -> str:
        return value


def _cell(column: str, value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    text = str(value)
    if column in FREE_TEXT and text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def _customer_name(first: str | None, last: str | None, email: str | None, company: str | None):
    """As Customer.display_name, from plain values."""
    return f"{first or ''} {last or ''}".strip() or email or company or ""


def _export_rows(responses):
    """Header and rows as plain values (no model instances), EXPORT_CHUNK at a time:
    memory stays flat however many responses."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(EXPORT_COLUMNS)  # the BOM: spreadsheets read UTF-8
    rows = responses.values_list(
        "submitted_at", "customer_id", "customer__first_name", "customer__last_name",
        "customer__email", "customer__company", "language", "score_kind", "score",
        "category", "comment", "bonus_points", "follow_up__number",
    )  # fmt: skip
    lines = []
    for row in rows.iterator(chunk_size=EXPORT_CHUNK):
        submitted, customer_id, first, last, email, company, *rest = row
        language, kind, score, category, comment, bonus, case_number = rest
        values = {
            "submitted_at": submitted,
            "customer_id": customer_id,
            "customer_name": _customer_name(first, last, email, company) if customer_id else "",
            "language": language,
            "score_kind": kind,
            "score": score,
            "category": category,
            "comment": comment,
            "bonus_points": bonus,
            "follow_up_case": f"C-{case_number}" if case_number else "",
        }
        lines.append(writer.writerow([_cell(c, values[c]) for c in EXPORT_COLUMNS]))
        if len(lines) == EXPORT_CHUNK:
            yield "".join(lines)
            lines = []
    if lines:
        yield "".join(lines)


@require_GET
@login_required
@permission_required("surveys.view_response", raise_exception=True)
def response_export(request, pk: int):
    """The survey's responses as CSV, newest first, with the results page's filters; an
    invalid filter exports nothing (it would hand out every response)."""
    survey = _survey(pk)
    filters = CommentFilterForm(request.GET)
    if not filters.is_valid():
        lines = [
            f"{filters.fields[name].label}: {' '.join(errors)}"
            for name, errors in filters.errors.items()
        ]
        text = _("Nothing was exported; these filters are not valid:") + "\n" + "\n".join(lines)
        return HttpResponse(text, status=400, content_type="text/plain; charset=utf-8")
    data = filters.cleaned_data
    responses = selectors.response_list(
        survey=survey,
        category=data.get("category") or None,
        submitted_from=data.get("submitted_from"),
        submitted_to=data.get("submitted_to"),
    )
    response = StreamingHttpResponse(
        _export_rows(responses), content_type="text/csv; charset=utf-8"
    )
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="survey-{survey.pk}-{stamp}.csv"'
    return response


# --- Editing -------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
@permission_required("surveys.change_survey", raise_exception=True)
def survey_edit(request, pk: int):
    """A survey's settings and its texts per language."""
    survey = _survey(pk)
    form = SurveyEditForm(request.POST if request.method == "POST" else None, survey=survey)
    if request.method == "POST" and form.is_valid():
        try:
            survey = services.survey_update(survey=survey, data=form.service_data())
        except (ValidationError, ApplicationError) as exc:
            form.add_service_error(exc)
            survey = _survey(pk)  # the service may have changed the instance it refused
        else:
            messages.success(request, _("Survey %(name)s saved.") % {"name": survey.name})
            return redirect("surveys:survey-detail", pk=survey.pk)
    status = 400 if request.method == "POST" else 200
    context = {"survey": survey, "form": form}
    return render(request, "surveys/survey_edit.html", context, status=status)


def _question(survey: Survey, qid: int) -> Question:
    question = survey.questions.filter(pk=qid).first()
    if question is None:
        raise Http404(_("No such question."))
    question.survey = survey
    return question


def _question_page(request, survey: Survey, question: Question | None):
    """The question form, new or existing; a refusal of the service (question_locked,
    missing texts) shows on the form at status 400."""
    post = request.POST if request.method == "POST" else None
    form = QuestionForm(post, survey=survey, question=question)
    if request.method == "POST" and form.is_valid():
        data = form.service_data()
        if question is None:
            data["position"] = selectors.question_next_position(survey=survey)
        try:
            saved = services.question_save(survey=survey, data=data, question=question)
        except (ValidationError, ApplicationError) as exc:
            form.add_service_error(exc)
            if question is not None:
                question.refresh_from_db()  # the service sets fields before it refuses
        else:
            messages.success(request, _("Question %(n)s saved.") % {"n": saved.position})
            return redirect("surveys:survey-detail", pk=survey.pk)
    status = 400 if request.method == "POST" else 200
    context = {"survey": survey, "question": question, "form": form}
    return render(request, "surveys/question_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
@login_required
@permission_required(["surveys.change_survey", "surveys.add_question"], raise_exception=True)
def question_create(request, pk: int):
    """A new question at the end of the survey (refused once the survey has answers)."""
    return _question_page(request, _survey(pk), None)


@require_http_methods(["GET", "POST"])
@login_required
@permission_required(["surveys.change_survey", "surveys.change_question"], raise_exception=True)
def question_edit(request, pk: int, qid: int):
    """Change a question; a scored question of a survey with answers keeps its kind and
    whether it is required, its wording may still be corrected."""
    survey = _survey(pk)
    return _question_page(request, survey, _question(survey, qid))


@require_http_methods(["GET", "POST"])
@login_required
@permission_required(["surveys.change_survey", "surveys.delete_question"], raise_exception=True)
def question_delete(request, pk: int, qid: int):
    """Ask for a confirmation, then remove the question (refused once the survey has
    answers, with the service's message at status 400)."""
    survey = _survey(pk)
    question = _question(survey, qid)
    form = DeleteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.question_delete(question=question)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Question %(n)s deleted.") % {"n": question.position})
            return redirect("surveys:survey-detail", pk=survey.pk)
    status = 400 if request.method == "POST" else 200
    context = {"survey": survey, "question": question, "form": form}
    return render(request, "surveys/question_delete.html", context, status=status)
