"""Under CI the suite must run on PostgreSQL and Redis; these tests prove it does."""

import os
import uuid

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction

from crm.models import Customer
from tests.conftest import require

pytestmark = pytest.mark.django_db


@pytest.mark.postgres
def test_the_database_is_postgresql_with_the_crm_constraints():
    require(connection.vendor == "postgresql", "DATABASE_URL does not point at PostgreSQL")
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "crm_customer")
    assert "crm_customer_email_ci_unique" in constraints
    assert "crm_customer_closed_after_since" in constraints
    Customer.objects.create(first_name="A", email="a@example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        Customer.objects.create(first_name="B", email="A@EXAMPLE.COM")


@pytest.mark.redis
def test_the_cache_is_the_real_redis():
    require(bool(os.environ.get("REDIS_URL")), "REDIS_URL is not set")
    import redis

    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    key = f"ci-check-{uuid.uuid4().hex}"
    cache.set(key, "stored", timeout=30)
    raw = redis.Redis.from_url(os.environ["REDIS_URL"])
    assert any(k.decode().endswith(key) for k in raw.keys(f"*{key}"))
    assert cache.get(key) == "stored"
