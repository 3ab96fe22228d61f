import pytest

from config.celery import app

pytestmark = pytest.mark.django_db


def test_healthz_answers_while_the_process_serves(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_checks_the_database_and_the_broker(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.json()
    assert response.json()["checks"] == {"database": "ok", "broker": "ok"}


def test_readyz_reports_an_unreachable_broker_as_unavailable(client):
    original = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        response = client.get("/readyz")
    finally:
        app.conf.broker_url = original
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["broker"] == "error"  # details go to the log, not to the caller


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_probes_by_ip_over_plain_http_are_answered_in_production(client, settings, path):
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["crm.example.com"]
    settings.SECURE_SSL_REDIRECT = True
    response = client.get(path, HTTP_HOST="172.18.0.5:8000")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    # Every other page still refuses an unknown host.
    assert client.get("/accounts/login/", HTTP_HOST="172.18.0.5:8000").status_code == 400
