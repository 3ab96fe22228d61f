"""Settings for the test suite: the real settings, made fast and quiet.

The database and broker still come from DATABASE_URL and REDIS_URL, so CI runs
the suite against PostgreSQL and Redis.
"""

import os

# Tests run the development configuration (no production secrets needed);
# the production checks are tested in subprocesses with their own environment.
os.environ["DEBUG"] = "true"

from config.settings import *  # noqa: E402,F403
from config.settings import VAR_DIR  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_CLASSES": []}  # noqa: F405
if not os.environ.get("REDIS_URL"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
TEST_ARTIFACTS_DIR = VAR_DIR.parent / "test-artifacts"
# Tasks enqueued by the code under test run in the test process; the worker test sends
# its task by name (send_task), which always goes through the real broker.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
