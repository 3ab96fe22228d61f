import pytest
from django.contrib.auth.password_validation import validate_password
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_staff_log_in_and_land_on_the_customer_list(client, support_user):
    response = client.post(
        reverse("login"), {"username": "sam.support", "password": PASSWORD}, REMOTE_ADDR="10.0.0.1"
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("crm:customer-list")


def test_a_wrong_password_shows_an_inline_error(client, support_user):
    response = client.post(
        reverse("login"), {"username": "sam.support", "password": "nope"}, REMOTE_ADDR="10.0.0.1"
    )
    assert response.status_code == 200
    assert 'data-testid="login-error"' in response.content.decode()


def test_repeated_failures_lock_the_account_even_for_the_right_password(client, support_user):
    for _ in range(5):
        client.post(
            reverse("login"),
            {"username": "sam.support", "password": "guess"},
            REMOTE_ADDR="10.0.0.9",
        )
    response = client.post(
        reverse("login"), {"username": "sam.support", "password": PASSWORD}, REMOTE_ADDR="10.0.0.9"
    )
    assert response.status_code == 429
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_api_token_endpoint_is_locked_out_too(client, support_user):
    for _ in range(5):
        client.post(
            "/api/v1/auth/token/",
            {"username": "sam.support", "password": "guess"},
            REMOTE_ADDR="10.0.0.8",
        )
    response = client.post(
        "/api/v1/auth/token/",
        {"username": "sam.support", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.8",
    )
    assert response.status_code == 429
    assert response.json()["code"] == "locked_out"


def test_password_reset_sends_a_link_by_email(client, support_user):
    response = client.post(reverse("password_reset"), {"email": "sam.support@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "/accounts/reset/" in mail.outbox[0].body


@pytest.mark.parametrize("password", ["short-pw-1", "123456789012345", "password1234"])
def test_weak_passwords_are_refused(password):
    with pytest.raises(ValidationError):
        validate_password(password)


def test_logout_is_a_post_and_ends_the_session(client, support_user):
    client.force_login(support_user)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("crm:customer-list")).status_code == 302


def test_behind_a_proxy_each_client_is_locked_out_by_its_own_address(
    client, support_user, settings
):
    settings.PROXY_COUNT = 1
    for _ in range(5):
        client.post(
            reverse("login"),
            {"username": "sam.support", "password": "guess"},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR="203.0.113.7",
        )
    locked = client.post(
        reverse("login"),
        {"username": "sam.support", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="203.0.113.7",
    )
    assert locked.status_code == 429
    # Another client behind the same proxy, even one forging the attacker's address
    # on the left of the header, still logs in.
    other = client.post(
        reverse("login"),
        {"username": "sam.support", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="203.0.113.7, 198.51.100.4",
    )
    assert other.status_code == 302
