"""Editing a survey and its questions: survey_update's rules, the edit pages, the API
(PATCH a survey; its questions under /api/v1/surveys/{id}/questions/) and who may edit."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from crm.models import Team
from surveys import services
from surveys.models import Question, Survey
from tests.conftest import api_as
from tests.surveys.conftest import nps_survey
from tests.surveys.test_views_staff import answer

pytestmark = pytest.mark.django_db


def draft(**settings_) -> Survey:
    """A draft NPS survey in English and Latvian, without answers."""
    return services.survey_from_template(
        template="nps", name="Draft", languages=["en", "lv"], **settings_
    )


def questions(survey: Survey) -> list[Question]:
    return list(survey.questions.order_by("position"))


@pytest.fixture
def marketing(client, marketing_user):
    client.force_login(marketing_user)
    return client


@pytest.fixture
def answered():
    """An active NPS survey with one answer: its NPS question is locked."""
    survey = nps_survey()
    answer(survey, 9)
    return survey


def _html(response) -> str:
    return response.content.decode()


def _edit_data(survey: Survey, **changes) -> dict:
    data = {
        "name": survey.name,
        "purpose": survey.purpose,
        "languages": survey.languages,
        "completion_bonus": "",
        "response_days": survey.response_days,
        "frequency_days": survey.frequency_days,
        "trigger": survey.trigger,
        "trigger_days": survey.trigger_days,
        "reminder_days": survey.reminder_days,
        "reminder_max": survey.reminder_max,
        "follow_up_team": "",
        "nps_detractor_max": survey.nps_detractor_max,
        "csat_detractor_max": survey.csat_detractor_max,
        "ces_detractor_max": survey.ces_detractor_max,
    }
    for name in ("title", "intro", "thanks"):
        for code in survey.languages:
            data[f"{name}_{code}"] = getattr(survey, name).get(code, "")
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


# --- survey_update ---------------------------------------------------------------------------


def test_survey_update_changes_the_fields_given_and_cleans_the_texts():
    survey = draft()
    team = Team.objects.create(name="Customer care")
    services.survey_update(
        survey=survey,
        data={
            "name": "  Spring check  ",
            "title": {"en": "  How did we do?  ", "lv": "Kā mums veicās?", "lt": "   "},
            "thanks": {"en": "Thank you!"},
            "response_days": 10,
            "follow_up_team": team,
            "nps_detractor_max": 4,
        },
    )
    survey.refresh_from_db()
    assert survey.name == "Spring check"
    assert survey.title == {"en": "How did we do?", "lv": "Kā mums veicās?"}
    assert survey.thanks == {"en": "Thank you!"}
    assert (survey.response_days, survey.follow_up_team, survey.nps_detractor_max) == (
        10,
        team,
        4,
    )
    assert survey.frequency_days == 90  # not given, not changed


def test_survey_update_refuses_unknown_fields_long_texts_and_a_missing_title():
    survey = draft()
    with pytest.raises(ValidationError) as unknown:
        services.survey_update(survey=survey, data={"status": "closed", "colour": "red"})
    assert set(unknown.value.message_dict) == {"status", "colour"}
    with pytest.raises(ValidationError) as long:
        services.survey_update(survey=survey, data={"intro": {"en": "x" * 2001}})
    assert "2,000 characters" in long.value.message_dict["intro"][0]
    with pytest.raises(ValidationError) as untitled:
        services.survey_update(survey=survey, data={"title": {"en": " "}})
    assert "title" in untitled.value.message_dict
    with pytest.raises(ValidationError) as ranged:
        services.survey_update(survey=survey, data={"response_days": 0})
    assert "response_days" in ranged.value.message_dict
    survey.refresh_from_db()
    assert (survey.status, survey.intro, survey.response_days) == ("draft", {}, 30)
    services.survey_update(survey=survey, data={"intro": {"en": "x" * 2000}})
    assert len(Survey.objects.get().intro["en"]) == 2000


def test_a_language_is_removed_freely_but_added_only_with_every_questions_text():
    survey = draft()
    services.survey_update(survey=survey, data={"languages": ["lv"]})
    assert Survey.objects.get().languages == ["lv"]
    for wrong in ([], ["de"]):
        with pytest.raises(ValidationError) as refused:
            services.survey_update(survey=survey, data={"languages": wrong})
        assert "languages" in refused.value.message_dict
    nps, comment = questions(survey)
    comment.text = {"lv": comment.text["lv"]}  # no English text for the comment
    comment.save(update_fields=["text"])
    with pytest.raises(ValidationError) as refused:
        services.survey_update(survey=survey, data={"languages": ["lv", "en"]})
    assert refused.value.message_dict["languages"] == [
        "Before adding en, give questions 2 their text in it."
    ]
    assert Survey.objects.get().languages == ["lv"]
    # The NPS wording ships in every language: Russian can be added.
    services.question_delete(question=comment)
    services.survey_update(survey=survey, data={"languages": ["lv", "ru"]})
    assert Survey.objects.get().languages == ["lv", "ru"]


def test_turning_on_the_anonymous_link_of_an_active_survey_gives_it_a_token():
    survey = nps_survey()
    assert survey.public_token is None
    services.survey_update(survey=survey, data={"allow_anonymous": True})
    survey.refresh_from_db()
    assert survey.allow_anonymous and len(survey.public_token) == 43
    token = survey.public_token
    services.survey_update(survey=survey, data={"allow_anonymous": False})
    services.survey_update(survey=survey, data={"allow_anonymous": True})
    assert Survey.objects.get().public_token == token  # the same link comes back
    waiting = draft()
    services.survey_update(survey=waiting, data={"allow_anonymous": True})
    waiting.refresh_from_db()
    assert waiting.allow_anonymous and waiting.public_token is None  # on activation


# --- The edit page ---------------------------------------------------------------------------


def test_the_edit_page_shows_one_text_input_per_language_and_saves(marketing):
    survey = draft()
    url = reverse("surveys:survey-edit", args=[survey.pk])
    page = marketing.get(url)
    html = _html(page)
    assert page.status_code == 200
    assert 'name="title_en"' in html and 'name="title_lv"' in html
    assert 'name="title_ru"' not in html
    assert ">English<" in html and ">Latvian<" in html
    saved = marketing.post(
        url,
        _edit_data(
            survey,
            name="Spring check",
            title_en="How did we do?",
            title_lv="Kā mums veicās?",
            intro_en="Two questions, one minute.",
            thanks_lv="Paldies!",
            reminder_max=2,
            nps_detractor_max=5,
        ),
        follow=True,
    )
    assert saved.status_code == 200
    assert "Survey Spring check saved." in _html(saved)
    survey.refresh_from_db()
    assert survey.title == {"en": "How did we do?", "lv": "Kā mums veicās?"}
    assert survey.intro == {"en": "Two questions, one minute."}
    assert survey.thanks == {"lv": "Paldies!"}
    assert (survey.reminder_max, survey.nps_detractor_max) == (2, 5)
    again = _html(marketing.get(url))
    assert 'value="Spring check"' in again and "Two questions, one minute." in again


def test_the_edit_page_refuses_bad_input_with_the_message(marketing):
    survey = draft()
    survey.questions.filter(kind="text").update(text={"en": "Why?", "lv": "Kāpēc?"})
    url = reverse("surveys:survey-edit", args=[survey.pk])
    refused = marketing.post(url, _edit_data(survey, languages=["en", "lv", "pl"]))
    assert refused.status_code == 400
    html = _html(refused)
    assert 'data-testid="form-errors"' in html
    assert "Before adding pl, give questions 2 their text in it." in html
    untitled = marketing.post(url, _edit_data(survey, title_en="", title_lv="", response_days=0))
    assert untitled.status_code == 400
    assert "greater than or equal to 1" in _html(untitled)
    no_title = marketing.post(url, _edit_data(survey, title_en="", title_lv=""))
    assert no_title.status_code == 400 and "Give the survey a title." in _html(no_title)
    assert Survey.objects.get().languages == ["en", "lv"]


# --- The question pages ----------------------------------------------------------------------


def test_the_detail_page_lists_the_questions_with_their_actions(marketing, answered):
    html = _html(marketing.get(reverse("surveys:survey-detail", args=[answered.pk])))
    assert reverse("surveys:survey-edit", args=[answered.pk]) in html
    rows = html.split('data-testid="question-row"')[1:]
    assert len(rows) == 2
    nps, comment = questions(answered)
    assert "How likely are you to recommend us" in rows[0]
    assert 'data-testid="question-locked"' in rows[0] and "#lock" in rows[0]
    assert 'data-testid="question-locked"' not in rows[1]
    assert "Net Promoter Score (0-10)" in rows[0] and "Free text" in rows[1]
    assert reverse("surveys:question-edit", args=[answered.pk, nps.pk]) in rows[0]
    # Answered: no new questions, no deletions.
    assert 'data-testid="add-question"' not in html
    assert 'data-testid="delete-question"' not in html


def test_the_detail_page_speaks_the_users_language(client, marketing_user):
    survey = draft()
    client.force_login(marketing_user)
    html = _html(
        client.get(reverse("surveys:survey-detail", args=[survey.pk]), HTTP_ACCEPT_LANGUAGE="lv")
    )
    assert "Cik ticams ir, ka jūs mūs ieteiktu draugam vai kolēģim?" in html


def test_a_choice_question_is_created_from_its_lines(marketing):
    survey = draft()
    url = reverse("surveys:question-create", args=[survey.pk])
    page = marketing.get(url)
    assert page.status_code == 200 and 'name="text_lv"' in _html(page)
    data = {
        "kind": "multiple",
        "text_en": "What matters most?",
        "text_lv": "Kas ir vissvarīgākais?",
        "choices": "price | Price | Cena\n\nspeed | Speed | Ātrums\n",
    }
    saved = marketing.post(url, data, follow=True)
    assert saved.status_code == 200 and "Question 3 saved." in _html(saved)
    question = questions(survey)[2]
    assert (question.kind, question.required, question.position) == ("multiple", False, 3)
    assert question.text == {"en": "What matters most?", "lv": "Kas ir vissvarīgākais?"}
    assert question.choices == [
        {"value": "price", "label": {"en": "Price", "lv": "Cena"}},
        {"value": "speed", "label": {"en": "Speed", "lv": "Ātrums"}},
    ]
    edit = _html(marketing.get(reverse("surveys:question-edit", args=[survey.pk, question.pk])))
    assert "price | Price | Cena" in edit


def test_wrong_choices_and_missing_texts_are_refused_on_the_form(marketing):
    survey = draft()
    url = reverse("surveys:question-create", args=[survey.pk])
    base = {"kind": "single", "text_en": "Which?", "text_lv": "Kurš?"}
    cases = {
        "price | Price | Cena\nprice | Cost | Cena": "The value price is given twice.",
        "price | Price": "Answer 1 needs a label in lv.",
        " | Price | Cena": "Answer 1 has no value.",
        "": "Give at least one answer to choose from.",
    }
    for choices, message in cases.items():
        refused = marketing.post(url, {**base, "choices": choices})
        assert refused.status_code == 400, choices
        assert message in _html(refused), choices
    untranslated = marketing.post(url, {"kind": "text", "text_en": "Why?", "text_lv": ""})
    assert untranslated.status_code == 400
    assert "Give the question in this language." in _html(untranslated)
    assert survey.questions.count() == 2


def test_a_locked_nps_question_keeps_its_kind_but_may_be_reworded(marketing, answered):
    nps = questions(answered)[0]
    url = reverse("surveys:question-edit", args=[answered.pk, nps.pk])
    texts = {"text_en": "Would you recommend us?", "text_lv": "Vai jūs mūs ieteiktu?"}
    refused = marketing.post(url, {"kind": "csat", "required": "on", **texts})
    assert refused.status_code == 400
    assert "This question has answers; only its wording can change." in _html(refused)
    nps.refresh_from_db()
    assert nps.kind == "nps" and nps.text["en"].startswith("How likely")
    reworded = marketing.post(url, {"kind": "nps", "required": "on", **texts})
    assert reworded.status_code == 302
    nps.refresh_from_db()
    assert nps.kind == "nps"
    assert nps.text == {"en": "Would you recommend us?", "lv": "Vai jūs mūs ieteiktu?"}
    added = marketing.post(
        reverse("surveys:question-create", args=[answered.pk]),
        {"kind": "text", "text_en": "More?", "text_lv": "Vēl?"},
    )
    assert added.status_code == 400
    assert "This survey has answers; add questions in a new survey." in _html(added)


def test_a_question_is_deleted_after_confirmation_unless_the_survey_has_answers(
    marketing, answered
):
    survey = draft()
    nps, comment = questions(survey)
    url = reverse("surveys:question-delete", args=[survey.pk, nps.pk])
    assert marketing.get(url).status_code == 200
    unconfirmed = marketing.post(url, {})
    assert unconfirmed.status_code == 400 and "Tick the box to confirm." in _html(unconfirmed)
    deleted = marketing.post(url, {"confirm": "on"}, follow=True)
    assert "Question 1 deleted." in _html(deleted)
    assert questions(survey) == [comment]
    # A question added after a deletion goes after the last one (position 3, not 2).
    marketing.post(
        reverse("surveys:question-create", args=[survey.pk]),
        {"kind": "csat", "required": "on", "text_en": "Happy?", "text_lv": "Laimīgs?"},
    )
    assert [(q.position, q.kind) for q in questions(survey)] == [(2, "text"), (3, "csat")]
    locked = questions(answered)[1]  # even the comment: the survey has answers
    url = reverse("surveys:question-delete", args=[answered.pk, locked.pk])
    refused = marketing.post(url, {"confirm": "on"})
    assert refused.status_code == 400
    assert "This survey has answers; its questions stay as they were answered." in _html(refused)
    assert answered.questions.count() == 2


def test_a_question_of_another_survey_is_not_found(marketing):
    first, second = draft(), draft()
    other = questions(second)[0]
    for name in ("question-edit", "question-delete"):
        url = reverse(f"surveys:{name}", args=[first.pk, other.pk])
        assert marketing.get(url).status_code == 404


# --- The API ---------------------------------------------------------------------------------


def test_marketing_patches_a_survey(marketing_user):
    survey = nps_survey()
    api = api_as(marketing_user)
    url = f"/api/v1/surveys/{survey.pk}/"
    changed = api.patch(
        url,
        {"name": "Renamed", "title": {"en": "Hi", "lv": "Sveiki"}, "allow_anonymous": True},
        format="json",
    )
    assert changed.status_code == 200
    body = changed.json()
    assert (body["name"], body["title"], body["allow_anonymous"]) == (
        "Renamed",
        {"en": "Hi", "lv": "Sveiki"},
        True,
    )
    assert body["public_url"].endswith(f"/s/{Survey.objects.get().public_token}/")
    wrong = api.patch(url, {"languages": [], "status": "draft"}, format="json")
    assert wrong.status_code == 400
    assert set(wrong.json()["fields"]) == {"languages", "status"}
    untranslated = api.patch(url, {"title": {"de": "Hallo"}}, format="json")
    assert untranslated.status_code == 400
    assert untranslated.json()["fields"]["title"] == ["Unknown language: de."]
    assert api.put(url, {"name": "X"}, format="json").status_code == 405


def test_questions_are_listed_added_changed_and_deleted_through_the_api(marketing_user):
    survey = draft()
    api = api_as(marketing_user)
    url = f"/api/v1/surveys/{survey.pk}/questions/"
    listed = api.get(url)
    assert listed.status_code == 200
    assert [(q["position"], q["kind"], q["locked"]) for q in listed.json()] == [
        (1, "nps", False),
        (2, "text", False),
    ]
    created = api.post(
        url,
        {
            "kind": "single",
            "text": {"en": "Which shop?", "lv": "Kurš veikals?"},
            "choices": [
                {"value": "riga", "label": {"en": "Riga", "lv": "Rīga"}},
                {"value": "cesis", "label": {"en": "Cēsis", "lv": "Cēsis"}},
            ],
        },
        format="json",
    )
    assert created.status_code == 201
    body = created.json()
    assert (body["position"], body["kind"], body["required"]) == (3, "single", True)
    assert body["choices"][0] == {"value": "riga", "label": {"en": "Riga", "lv": "Rīga"}}
    qid = body["id"]
    twice = api.post(
        url,
        {
            "kind": "single",
            "text": {"en": "Which?", "lv": "Kurš?"},
            "choices": [
                {"value": "a", "label": {"en": "A", "lv": "A"}},
                {"value": "a", "label": {"en": "B", "lv": "B"}},
            ],
        },
        format="json",
    )
    assert twice.status_code == 400
    assert twice.json()["fields"] == {"choices": ["The value a is given twice."]}
    untranslated = api.post(url, {"kind": "text", "text": {"en": "Why?"}}, format="json")
    assert untranslated.status_code == 400 and "lv" in untranslated.json()["fields"]["text"][0]
    patched = api.patch(f"{url}{qid}/", {"required": False}, format="json")
    assert patched.status_code == 200 and patched.json()["required"] is False
    assert api.patch(f"{url}{qid}/", {"colour": "red"}, format="json").status_code == 400
    assert api.delete(f"{url}{qid}/").status_code == 204
    assert survey.questions.count() == 2
    assert api.delete(f"{url}{qid}/").status_code == 404


def test_a_locked_question_answers_409_through_the_api(marketing_user, answered):
    api = api_as(marketing_user)
    url = f"/api/v1/surveys/{answered.pk}/questions/"
    nps, comment = questions(answered)
    assert [q["locked"] for q in api.get(url).json()] == [True, False]
    kind = api.patch(f"{url}{nps.pk}/", {"kind": "ces"}, format="json")
    assert kind.status_code == 409
    assert kind.json()["code"] == "question_locked"
    assert kind.json()["message"] == "This question has answers; only its wording can change."
    reworded = api.patch(
        f"{url}{nps.pk}/", {"text": {"en": "Recommend us?", "lv": "Ieteiktu?"}}, format="json"
    )
    assert reworded.status_code == 200 and reworded.json()["text"]["en"] == "Recommend us?"
    deleted = api.delete(f"{url}{comment.pk}/")
    assert deleted.status_code == 409 and deleted.json()["code"] == "question_locked"
    added = api.post(url, {"kind": "text", "text": {"en": "?", "lv": "?"}}, format="json")
    assert added.status_code == 409 and added.json()["code"] == "question_locked"


def test_the_schema_documents_the_editing_endpoints(admin_user):
    schema = api_as(admin_user).get("/api/schema/", HTTP_ACCEPT="application/json")
    if schema.status_code == 404:
        pytest.skip("no schema endpoint at /api/schema/")
    text = schema.content.decode()
    assert "/api/v1/surveys/{id}/questions/{qid}/" in text
    assert "SurveyUpdateInput" in text and "QuestionInput" in text


# --- Who may edit ----------------------------------------------------------------------------


def test_support_may_not_edit_anything(client, support_user, answered):
    survey = draft()
    nps = questions(survey)[0]
    client.force_login(support_user)
    pages = [
        reverse("surveys:survey-edit", args=[survey.pk]),
        reverse("surveys:question-create", args=[survey.pk]),
        reverse("surveys:question-edit", args=[survey.pk, nps.pk]),
        reverse("surveys:question-delete", args=[survey.pk, nps.pk]),
    ]
    for url in pages:
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"confirm": "on"}).status_code == 403, url
    html = _html(client.get(reverse("surveys:survey-detail", args=[survey.pk])))
    assert 'data-testid="questions"' in html and "How likely" in html
    assert 'data-testid="edit-survey"' not in html and 'data-testid="edit-question"' not in html
    api = api_as(support_user)
    base = f"/api/v1/surveys/{survey.pk}/"
    assert api.get(f"{base}questions/").status_code == 200
    writes = [
        api.patch(base, {"name": "X"}, format="json"),
        api.post(f"{base}questions/", {"kind": "text", "text": {"en": "?"}}, format="json"),
        api.patch(f"{base}questions/{nps.pk}/", {"required": False}, format="json"),
        api.delete(f"{base}questions/{nps.pk}/"),
    ]
    assert [response.status_code for response in writes] == [403] * 4
    assert Survey.objects.get(pk=survey.pk).name == "Draft"
    assert survey.questions.count() == 2
