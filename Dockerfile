# Retain production image: gunicorn (web), Celery worker and beat share it.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    STATIC_ROOT=/app/staticfiles \
    RETAIN_VAR_DIR=/app/var

WORKDIR /app
RUN groupadd --system retain && useradd --system --gid retain --home /app retain

COPY pyproject.toml README.md ./
COPY config ./config
COPY crm ./crm
COPY loyalty ./loyalty
COPY surveys ./surveys
COPY analytics ./analytics
RUN pip install .

COPY manage.py ./
COPY templates ./templates
COPY static ./static
COPY locale ./locale
COPY scripts/compile_messages.py ./scripts/
RUN python scripts/compile_messages.py
# collectstatic needs settings to load; these values exist only for this build step.
RUN DEBUG=false ALLOWED_HOSTS=build EMAIL_URL=consolemail:// \
    SECRET_KEY=build-only-not-a-secret-build-only-not-a-secret-000 \
    python manage.py collectstatic --noinput \
    && mkdir -p /app/var && chown -R retain:retain /app/var

USER retain
EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
