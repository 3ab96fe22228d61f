"""Case-insensitive rules for Latvian, Lithuanian, Polish and Russian text, on SQLite
(`make run`) as on PostgreSQL."""

import pytest
from django.core.exceptions import ValidationError

from crm import services
from tests import factories
from tests.conftest import api_as

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("query", ["BĒRZIŅŠ", "bērziņš", "Bērziņš", "ĒRZ", "ŁÓDŹ", "ЁЛКИНА"])
def test_search_ignores_case_beyond_ascii(support_user, query):
    factories.customer(first_name="Jānis", last_name="Bērziņš", company="Łódź Ёлкина Sp.")
    rows = api_as(support_user).get("/api/v1/customers/", {"q": query}).json()["results"]
    assert [r["last_name"] for r in rows] == ["Bērziņš"]


def test_tag_names_are_unique_whatever_the_case_of_their_letters():
    services.tag_create(name="ĀBOLS")
    with pytest.raises(ValidationError) as refused:
        services.tag_create(name="ābols")
    assert refused.value.message_dict == {"name": ["A tag with this name already exists."]}


def test_emails_are_unique_whatever_the_case_of_their_letters():
    factories.customer(email="anna@ĀBOLI.lv")
    with pytest.raises(ValidationError) as refused:
        factories.customer(email="ANNA@āboli.lv")
    assert "email" in refused.value.message_dict


def test_like_wildcards_in_a_search_are_taken_literally(support_user):
    factories.customer(first_name="Anna", last_name="100% Cotton")
    factories.customer(first_name="Anna", last_name="1000 Cotton")
    rows = api_as(support_user).get("/api/v1/customers/", {"q": "100%"}).json()["results"]
    assert [r["last_name"] for r in rows] == ["100% Cotton"]
