"""Survey reads for the staff pages and the API: the survey list with its counts, the
results of one survey (the score distribution, the headline metric with its margin of
error) and the responses with their filters.

The metrics follow docs/metrics.md ("Survey answers"): NPS counts promoters 9-10 and
detractors 0-6 whatever a survey's follow-up threshold; CSAT is the share of 4 and 5
answers; CES the mean. With no answers (n = 0) a metric is None, never a division by
zero.
"""

import datetime
import math
from dataclasses import dataclass, field

from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from surveys.models import Invitation, Question, Response, Survey

Z_95 = 1.96  # the normal quantile of a two-sided 95% interval
SCORED_KINDS = tuple(Question.SCALES)
CATEGORIES = ("promoter", "passive", "detractor", "ok")


@dataclass
class SurveyResults:
    """One survey's scored answers: `metric` (NPS points, CSAT percent or CES mean) and
    its 95% `margin` are None when there is nothing to compute them from."""

    kind: str | None
    n: int = 0
    # (score, answers, share of n in percent) for every value of the scale, 0 included
    distribution: list[tuple[int, int, float]] = field(default_factory=list)
    metric: float | None = None
    margin: float | None = None
    # NPS: promoter, passive and detractor counts; CSAT and CES: the secondary figure
    promoters: int = 0
    passives: int = 0
    detractors: int = 0
    mean: float | None = None  # CSAT and CES
    top_share: float | None = None  # CSAT: 4-5 (the metric); CES: 5-7, in percent


def _count_of(queryset: QuerySet) -> Coalesce:
    """A per-survey count as a correlated subquery: several counts over different
    tables in one statement without multiplying rows."""
    counted = (
        queryset.filter(survey=OuterRef("pk"))
        .order_by()
        .values("survey")
        .annotate(c=Count("pk"))
        .values("c")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def survey_list() -> QuerySet[Survey]:
    """Surveys newest first with `scored_kind` (the kind of the first scored question),
    `invited` (personal invitations), `answered` (of those, answered) and `responses`
    (every response, anonymous ones from the public link included); one query."""
    scored = (
        Question.objects.filter(survey=OuterRef("pk"), kind__in=SCORED_KINDS)
        .order_by("position")
        .values("kind")[:1]
    )
    personal = Invitation.objects.filter(customer__isnull=False)
    return Survey.objects.annotate(
        scored_kind=Subquery(scored),
        invited=_count_of(personal),
        answered=_count_of(personal.filter(responded_at__isnull=False)),
        responses_count=_count_of(Response.objects.all()),
    ).order_by("-created_at", "-id")


def response_rate(*, invited: int, answered: int) -> float | None:
    """Answered personal invitations per personal invitation, in percent."""
    return answered * 100 / invited if invited else None


def results_from_counts(kind: str | None, counts: dict[int, int]) -> SurveyResults:
    """The metric of a kind from {score: answers}; pure, so the list page computes every
    survey's headline from one grouped query."""
    if kind not in Question.SCALES:
        return SurveyResults(kind=None)
    low, high = Question.SCALES[kind]
    counts = {score: n for score, n in counts.items() if low <= score <= high}
    n = sum(counts.values())
    results = SurveyResults(kind=kind, n=n)
    results.distribution = [
        (score, counts.get(score, 0), counts.get(score, 0) * 100 / n if n else 0.0)
        for score in range(low, high + 1)
    ]
    if n == 0:
        return results
    total = sum(score * answers for score, answers in counts.items())
    mean = total / n
    if kind == Question.Kind.NPS:
        results.promoters = sum(a for s, a in counts.items() if s >= 9)
        results.detractors = sum(a for s, a in counts.items() if s <= 6)
        results.passives = n - results.promoters - results.detractors
        p, d = results.promoters / n, results.detractors / n
        results.metric = (p - d) * 100
        # The variance of a promoter (+1) / passive (0) / detractor (-1) score.
        results.margin = Z_95 * math.sqrt(max(p + d - (p - d) ** 2, 0.0) / n) * 100
    elif kind == Question.Kind.CSAT:
        satisfied = sum(a for s, a in counts.items() if s >= 4)
        share = satisfied / n
        results.metric = results.top_share = share * 100
        results.margin = Z_95 * math.sqrt(share * (1 - share) / n) * 100
        results.mean = mean
    else:  # CES: the mean, with the sample standard deviation (n - 1)
        results.metric = results.mean = mean
        results.top_share = sum(a for s, a in counts.items() if s >= 5) * 100 / n
        if n > 1:
            squares = sum(a * (s - mean) ** 2 for s, a in counts.items())
            results.margin = Z_95 * math.sqrt(squares / (n - 1)) / math.sqrt(n)
    return results


def _scored_responses() -> QuerySet[Response]:
    return Response.objects.filter(score__isnull=False).exclude(score_kind="")


def survey_scored_kind(*, survey: Survey) -> str | None:
    kind = getattr(survey, "scored_kind", None)
    if kind is None:
        question = (
            survey.questions.filter(kind__in=SCORED_KINDS).order_by("position").only("kind").first()
        )
        kind = question.kind if question else None
    return kind


def survey_results(*, survey: Survey) -> SurveyResults:
    """The distribution of the survey's scored answers and its metric with n and the
    95% margin of error: one aggregate query over the responses (plus one for the
    scored question's kind when `survey` does not come from survey_list)."""
    kind = survey_scored_kind(survey=survey)
    if kind is None:
        return SurveyResults(kind=None)
    rows = (
        _scored_responses()
        .filter(survey=survey, score_kind=kind)
        .order_by()
        .values("score")
        .annotate(n=Count("pk"))
        .values_list("score", "n")
    )
    return results_from_counts(kind, dict(rows))


def survey_headlines(*, surveys: list[Survey]) -> dict[int, SurveyResults]:
    """Every listed survey's results (from survey_list, which names the scored kind),
    in one grouped query whatever the number of surveys."""
    kinds = {survey.pk: survey.scored_kind for survey in surveys}
    counts: dict[int, dict[int, int]] = {pk: {} for pk in kinds}
    if kinds:
        rows = (
            _scored_responses()
            .filter(survey__in=list(kinds))
            .order_by()
            .values("survey_id", "score_kind", "score")
            .annotate(n=Count("pk"))
            .values_list("survey_id", "score_kind", "score", "n")
        )
        for survey_id, kind, score, n in rows:
            if kind == kinds[survey_id]:
                counts[survey_id][score] = n
    return {pk: results_from_counts(kinds[pk], counts[pk]) for pk in kinds}


def day_start(day: datetime.date) -> datetime.datetime:
    """The aware start of a business day (setting TIME_ZONE)."""
    return timezone.make_aware(
        datetime.datetime.combine(day, datetime.time.min), timezone.get_default_timezone()
    )


def response_list(
    *,
    survey: Survey | None = None,
    customer_id: int | None = None,
    category: str | None = None,
    submitted_from: datetime.date | None = None,
    submitted_to: datetime.date | None = None,
    with_comment: bool = False,
) -> QuerySet[Response]:
    """Responses newest first with their customer, survey and follow-up case loaded;
    the dates are business days, both included."""
    rows = Response.objects.select_related("survey", "customer", "follow_up")
    if survey is not None:
        rows = rows.filter(survey=survey)
    if customer_id is not None:
        rows = rows.filter(customer_id=customer_id)
    if category:
        rows = rows.filter(category=category)
    if submitted_from is not None:
        rows = rows.filter(submitted_at__gte=day_start(submitted_from))
    if submitted_to is not None:
        rows = rows.filter(submitted_at__lt=day_start(submitted_to + datetime.timedelta(days=1)))
    if with_comment:
        rows = rows.filter(~Q(comment=""))
    return rows.order_by("-submitted_at", "-id")


def question_next_position(*, survey: Survey) -> int:
    """The position after the survey's last question (1 for none). question_save's own
    default counts the questions, which collides after a question was deleted."""
    last = survey.questions.order_by("-position").values_list("position", flat=True).first()
    return (last or 0) + 1


def survey_with_questions(*, pk: int) -> tuple[Survey, list[Question]] | None:
    """A survey as survey_list gives it (with its counts) and its questions in order, in
    one query: the survey row joined to each of its questions. None when unknown."""
    rows = list(
        survey_list()
        .filter(pk=pk)
        .annotate(
            q_id=F("questions__id"),
            q_position=F("questions__position"),
            q_kind=F("questions__kind"),
            q_required=F("questions__required"),
            q_text=F("questions__text"),
            q_choices=F("questions__choices"),
        )
        .order_by("q_position")
    )
    if not rows:
        return None
    survey = rows[0]
    questions = [
        Question(
            id=row.q_id,
            survey=survey,
            position=row.q_position,
            kind=row.q_kind,
            required=row.q_required,
            text=row.q_text,
            choices=row.q_choices,
        )
        for row in rows
        if row.q_id is not None
    ]
    return survey, questions
