"""Shared fixtures.

Tests that need PostgreSQL, Redis, a worker or the browser call `require(...)`:
on a laptop without the service it skips with the reason; under CI=true it
fails, so CI can never pass by skipping them.
"""

import os

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache
from rest_framework.test import APIClient

from crm.roles import ADMIN, MARKETING, SUPPORT

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
PASSWORD = "correct-horse-battery-staple"


def require(condition: bool, reason: str) -> None:
    """Skip (laptop) or fail (CI) when something a test needs is missing."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"CI requires this, but: {reason}")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _clear_cache():
    # django-axes and throttling keep state in the cache; tests start clean.
    cache.clear()
    yield


def make_user(username: str, role: str | None) -> "get_user_model()":
    user = get_user_model().objects.create_user(
        username=username,
        password=PASSWORD,
        email=f"{username}@example.com",
        is_staff=role == ADMIN,
    )
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def support_user(db):
    return make_user("sam.support", SUPPORT)


@pytest.fixture
def marketing_user(db):
    return make_user("mia.marketing", MARKETING)


@pytest.fixture
def admin_user(db):
    return make_user("ada.admin", ADMIN)


@pytest.fixture
def no_role_user(db):
    return make_user("nora.norole", None)


@pytest.fixture
def role_users(support_user, marketing_user, admin_user, no_role_user):
    return {
        "support": support_user,
        "marketing": marketing_user,
        "admin": admin_user,
        "none": no_role_user,
    }


@pytest.fixture
def api_client():
    return APIClient()


def api_as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client
