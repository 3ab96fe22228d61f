"""Every class of bad input the foundation review found, sent to every write endpoint
and every public one: each gets a clear 4xx in the API's shape (or a page), never a
500, and the log shows one line for it, never a traceback."""

import datetime
import json
import logging

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from rest_framework.test import APIClient

from crm import services
from crm.models import Customer, Interaction, Order, Tag
from tests import factories
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(admin_user):
    """A customer, an order and a tag to aim at, and an API client with every role right."""
    customer = factories.customer(first_name="", last_name="", email="only@example.com")
    order = factories.order(customer, days_ago=3)
    tag = services.tag_create(name="VIP")
    client = APIClient()
    client.force_authenticate(admin_user)
    return {"customer": customer, "order": order, "tag": tag, "client": client}


def write_endpoints(records):
    """(method, path) of every API write, the token endpoint first (no login needed)."""
    c, o, t = records["customer"], records["order"], records["tag"]
    return [
        ("post", "/api/v1/auth/token/"),
        ("post", "/api/v1/customers/"),
        ("patch", f"/api/v1/customers/{c.pk}/"),
        ("post", "/api/v1/orders/"),
        ("patch", f"/api/v1/orders/{o.pk}/"),
        ("post", "/api/v1/interactions/"),
        ("post", "/api/v1/tags/"),
        ("patch", f"/api/v1/tags/{t.pk}/"),
    ]


def send(records, method, path, body, content_type="application/json"):
    client = APIClient() if path.endswith("/auth/token/") else records["client"]
    return getattr(client, method)(path, body, content_type=content_type)


def assert_api_error(response, status, code=None):
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"code", "message", "fields"}
    assert body["message"]
    if code:
        assert body["code"] == code
    return body


@pytest.fixture
def no_tracebacks(caplog):
    caplog.set_level(logging.INFO)
    yield caplog
    tracebacks = [r.getMessage() for r in caplog.records if r.exc_info]
    assert tracebacks == [], tracebacks


# --- 1. bodies that crash parsers ----------------------------------------------------------


@pytest.mark.parametrize("depth", [100_000, 5_000, 40])
def test_deeply_nested_json_is_a_400_on_every_write_endpoint(records, no_tracebacks, depth):
    body = "[" * depth + "]" * depth
    for method, path in write_endpoints(records):
        response = send(records, method, path, body)
        error = assert_api_error(response, 400, "parse_error")
        assert "nested too deeply" in error["message"], path


def test_a_deep_object_inside_a_valid_body_is_refused_too(records, no_tracebacks):
    nested = {}
    for _ in range(50):
        nested = {"a": nested}
    response = send(records, "post", "/api/v1/customers/", json.dumps({"attributes": nested}))
    assert_api_error(response, 400, "parse_error")


@pytest.mark.parametrize(
    "body", ["{nope", '{"first_name": NaN}', "\ufeff{}", '{"a": "\\ud800"}', "null", "[]"]
)
def test_malformed_or_odd_json_is_a_400(records, no_tracebacks, body):
    for method, path in write_endpoints(records):
        response = send(records, method, path, body)
        assert_api_error(response, 400)


def test_bytes_that_are_not_utf8_are_a_400(records, no_tracebacks):
    response = send(records, "post", "/api/v1/customers/", b'{"first_name": "\xff\xfe"}')
    assert_api_error(response, 400, "parse_error")


def test_a_body_over_the_limit_is_a_413_on_every_write_endpoint(records, no_tracebacks, settings):
    body = json.dumps({"first_name": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10)})
    for method, path in write_endpoints(records):
        response = send(records, method, path, body)
        assert_api_error(response, 413, "request_too_large")
    assert Customer.objects.count() == 1


@pytest.mark.parametrize("encoding", ["multipart", "urlencoded"])
def test_a_form_body_over_the_limit_is_a_413_page_on_the_login_page(
    no_tracebacks, settings, encoding
):
    from urllib.parse import urlencode

    fields = {"username": "a", "password": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10)}
    if encoding == "multipart":
        response = Client().post("/accounts/login/", fields)
    else:
        response = Client().post(
            "/accounts/login/", urlencode(fields), content_type="application/x-www-form-urlencoded"
        )
    assert response.status_code == 413
    assert "too large" in response.content.decode()


def test_too_many_form_fields_are_a_400_not_a_500(no_tracebacks):
    from urllib.parse import urlencode

    fields = urlencode({f"f{n}": "1" for n in range(1100)})
    response = APIClient().post(
        "/api/v1/auth/token/", fields, content_type="application/x-www-form-urlencoded"
    )
    assert_api_error(response, 400)


def test_another_media_type_is_a_415(records, no_tracebacks):
    response = records["client"].post(
        "/api/v1/customers/", "first_name=Anna", content_type="application/x-www-form-urlencoded"
    )
    assert_api_error(response, 415, "unsupported_media_type")


# --- 2. the API always answers JSON --------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("get", "/api/v1/nothing-here/", 404),
        ("post", "/api/v1/nothing-here/", 404),
        ("get", "/api/", 404),
        ("get", "/api/v2/customers/", 404),
        ("get", "/api/v1/customers/999999/", 404),
        ("get", "/api/v1/customers/abc/", 404),
        ("put", "/api/v1/customers/1/", 405),
        ("delete", "/api/v1/orders/1/", 405),
    ],
)
def test_every_api_failure_is_json(records, no_tracebacks, method, path, status):
    response = getattr(records["client"], method)(path)
    assert_api_error(response, status)


def test_anonymous_api_calls_get_json_401(no_tracebacks):
    for path in ["/api/v1/customers/", "/api/schema/", "/api/v1/nothing/"]:
        response = APIClient().get(path)
        assert response["Content-Type"].startswith("application/json"), path
        assert response.status_code in (401, 404), path


def test_a_session_post_without_csrf_token_is_a_json_403(admin_user, no_tracebacks):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(admin_user)
    response = client.post("/api/v1/tags/", {"name": "X"}, format="json")
    assert_api_error(response, 403)


def test_a_path_without_its_trailing_slash_works_for_posts_too(records, no_tracebacks):
    response = records["client"].post("/api/v1/tags", {"name": "No slash"}, format="json")
    assert response.status_code == 201, response.content


def test_an_invalid_content_length_is_a_400(records, no_tracebacks):
    response = records["client"].generic(
        "POST", "/api/v1/tags/", b"{}", content_type="application/json", CONTENT_LENGTH="-5"
    )
    assert_api_error(response, 400)


def test_a_bug_in_an_api_view_answers_json_500_and_logs_it_once(records, caplog, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(services, "tag_create", broken)
    response = records["client"].post("/api/v1/tags/", {"name": "X"}, format="json")
    assert_api_error(response, 500, "server_error")
    assert "boom" not in response.content.decode()
    logged = [r for r in caplog.records if "Internal Server Error" in r.getMessage()]
    assert len(logged) == 1 and logged[0].levelno == logging.ERROR and logged[0].exc_info


# --- 3. impossible dates -------------------------------------------------------------------


@pytest.mark.parametrize(
    "placed_at",
    [
        "0001-01-01T00:00:00Z",
        "1899-12-31T12:00:00Z",
        "1999-12-31T12:00:00+00:00",
        "2099-01-01T00:00:00Z",
        "9999-12-31T23:59:59-05:00",
    ],
)
def test_an_order_outside_the_plausible_range_is_refused(records, no_tracebacks, placed_at):
    customer = records["customer"]
    response = records["client"].post(
        "/api/v1/orders/",
        {"external_id": "X-1", "customer": customer.pk, "placed_at": placed_at, "total": "5"},
        format="json",
    )
    body = assert_api_error(response, 400)
    assert "placed_at" in body["fields"]
    customer.refresh_from_db()
    assert customer.customer_since.year >= 2000
    assert not Order.objects.filter(external_id="X-1").exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("customer_since", "9999-12-31"),
        ("customer_since", "2099-01-01"),
        ("customer_since", "0001-01-01"),
        ("customer_since", "1999-12-31"),
        ("closed_on", "2099-01-01"),
        ("email_consent_at", "2099-01-01T00:00:00Z"),
        ("email_consent_at", "0001-01-01T00:00:00Z"),
    ],
)
def test_customer_dates_outside_the_range_are_refused_on_create_and_update(
    records, no_tracebacks, field, value
):
    data = {"first_name": "Anna", field: value}
    if field == "email_consent_at":
        data["email_consent"] = True
    created = records["client"].post("/api/v1/customers/", data, format="json")
    assert field in assert_api_error(created, 400)["fields"]
    customer = records["customer"]
    updated = records["client"].patch(f"/api/v1/customers/{customer.pk}/", data, format="json")
    assert field in assert_api_error(updated, 400)["fields"]


@pytest.mark.parametrize("occurred_at", ["2099-01-01T10:00:00Z", "0001-01-01T00:00:00Z"])
def test_an_interaction_outside_the_range_is_refused(records, no_tracebacks, occurred_at):
    response = records["client"].post(
        "/api/v1/interactions/",
        {"customer": records["customer"].pk, "body": "Hi", "occurred_at": occurred_at},
        format="json",
    )
    assert "occurred_at" in assert_api_error(response, 400)["fields"]
    assert Interaction.objects.count() == 0


def test_a_wrong_order_date_can_be_corrected_and_then_customer_since(records, no_tracebacks):
    customer = factories.customer(customer_since=datetime.date(2025, 3, 1))
    wrong = factories.order(customer, placed_at=factories.at_day(datetime.date(2001, 3, 1)))
    customer.refresh_from_db()
    assert customer.customer_since == datetime.date(2001, 3, 1)  # moved by the typo
    client = records["client"]
    # Support may not move customer_since after the (wrong) first order ...
    refused = client.patch(
        f"/api/v1/customers/{customer.pk}/", {"customer_since": "2025-03-01"}, format="json"
    )
    assert "customer_since" in assert_api_error(refused, 400)["fields"]
    # ... until an admin corrects the order's date; then it can be put right.
    fixed = client.patch(
        f"/api/v1/orders/{wrong.pk}/", {"placed_at": "2025-03-01T10:00:00+02:00"}, format="json"
    )
    assert fixed.status_code == 200, fixed.json()
    assert fixed.json()["placed_at"].startswith("2025-03-01T")
    again = client.patch(
        f"/api/v1/customers/{customer.pk}/", {"customer_since": "2025-03-01"}, format="json"
    )
    assert again.status_code == 200, again.json()
    assert again.json()["customer_since"] == "2025-03-01"


# --- 4. unknown fields ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "target", "body", "unknown"),
    [
        (
            "post",
            "customers",
            {"first_name": "A", "is_admin": True, "revenue": 9, "foo": 1},
            {"is_admin", "revenue", "foo"},
        ),
        ("patch", "customer", {"id": 5, "display_name": "X"}, {"id", "display_name"}),
        ("patch", "order", {"total": "1.00"}, {"total"}),
        ("patch", "order", {"status": "refunded", "customer": 3}, {"customer"}),
        ("post", "interactions", {"body": "Hi", "author": 1}, {"author"}),
        ("post", "tags", {"name": "New", "customer_count": 3}, {"customer_count"}),
        ("patch", "tag", {"colour": "danger"}, {"colour"}),
        ("post", "token", {"username": "x", "password": "y", "otp": "1"}, {"otp"}),
    ],
)
def test_unknown_fields_are_refused_by_name(records, no_tracebacks, method, target, body, unknown):
    paths = {
        "customers": "/api/v1/customers/",
        "customer": f"/api/v1/customers/{records['customer'].pk}/",
        "order": f"/api/v1/orders/{records['order'].pk}/",
        "interactions": "/api/v1/interactions/",
        "tags": "/api/v1/tags/",
        "tag": f"/api/v1/tags/{records['tag'].pk}/",
        "token": "/api/v1/auth/token/",
    }
    if target == "interactions":
        body = {**body, "customer": records["customer"].pk}
    response = send(records, method, paths[target], json.dumps(body))
    fields = assert_api_error(response, 400, "invalid")["fields"]
    assert unknown <= set(fields), fields
    assert all(fields[name] == ["Unknown field: it cannot be set here."] for name in unknown)
    records["order"].refresh_from_db()
    assert records["order"].status == Order.Status.COMPLETED  # nothing half-written
    assert Tag.objects.count() == 1


# --- 5. invariants on update ---------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [{"email": ""}, {"email": "", "first_name": "  "}],
)
def test_an_update_cannot_leave_a_customer_without_name_email_or_company(
    records, no_tracebacks, change
):
    customer = records["customer"]  # known by the email only
    response = records["client"].patch(f"/api/v1/customers/{customer.pk}/", change, format="json")
    body = assert_api_error(response, 400, "invalid")
    assert body["fields"] == {"non_field_errors": ["Give at least a name, an email or a company."]}
    customer.refresh_from_db()
    assert customer.email == "only@example.com"


def test_an_update_keeps_the_closing_date_after_customer_since(records, no_tracebacks):
    customer = factories.customer(customer_since=datetime.date(2024, 5, 1))
    response = records["client"].patch(
        f"/api/v1/customers/{customer.pk}/", {"closed_on": "2024-04-30"}, format="json"
    )
    assert "closed_on" in assert_api_error(response, 400)["fields"]


# --- 6. size limits on free-form data ------------------------------------------------------


@pytest.mark.parametrize(
    ("attributes", "message"),
    [
        ({"notes": "x" * 9000}, "at most 8 KB"),
        ({f"k{n}": n for n in range(51)}, "At most 50 attributes in one object."),
        ({"a": {"b": {"c": {"d": 1}}}}, "at most 3 levels"),
        ({"k" * 101: 1}, "at most 100 characters"),
    ],
)
def test_attributes_beyond_the_limits_are_refused(records, no_tracebacks, attributes, message):
    for method, path in [
        ("post", "/api/v1/customers/"),
        ("patch", f"/api/v1/customers/{records['customer'].pk}/"),
    ]:
        body = {"first_name": "A", "attributes": attributes}
        response = send(records, method, path, json.dumps(body))
        fields = assert_api_error(response, 400)["fields"]
        assert message in " ".join(fields["attributes"]), fields


def test_attributes_within_the_limits_are_kept(records, no_tracebacks):
    attributes = {"source": "store", "sizes": {"shoe": 38, "tags": ["a", "b"]}}
    response = records["client"].post(
        "/api/v1/customers/", {"first_name": "A", "attributes": attributes}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["attributes"] == attributes


def test_a_very_long_note_is_refused(records, no_tracebacks):
    response = records["client"].post(
        "/api/v1/interactions/",
        {"customer": records["customer"].pk, "body": "x" * 20_001},
        format="json",
    )
    assert "body" in assert_api_error(response, 400)["fields"]


# --- 11. page sizes ------------------------------------------------------------------------


@pytest.mark.parametrize("size", ["0", "201", "abc", "-1", "1e3"])
def test_an_out_of_range_page_size_is_a_400(records, no_tracebacks, size):
    response = records["client"].get("/api/v1/customers/", {"page_size": size})
    assert "page_size" in assert_api_error(response, 400)["fields"]


def test_a_bounded_page_size_is_honoured(records, no_tracebacks):
    for n in range(5):
        factories.customer(first_name=f"P{n}")
    response = records["client"].get("/api/v1/customers/", {"page_size": 2})
    assert response.status_code == 200
    assert len(response.json()["results"]) == 2 and response.json()["count"] == 6


# --- pages ---------------------------------------------------------------------------------


def test_a_page_that_does_not_exist_is_a_page_not_json(client, support_user, no_tracebacks):
    client.force_login(support_user)
    response = client.get("/customers/999999/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_an_ordinary_403_logs_one_line_without_traceback(client, marketing_user, caplog):
    client.force_login(marketing_user)
    with caplog.at_level(logging.WARNING):
        response = client.post(f"/customers/{factories.customer().pk}/interactions/", {})
    assert response.status_code == 403
    forbidden = [r for r in caplog.records if "Forbidden" in r.getMessage()]
    assert len(forbidden) == 1
    assert not any(r.exc_info for r in caplog.records)


def test_a_password_reset_lifts_the_lockout(client, support_user, no_tracebacks):
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    for _ in range(5):
        client.post(
            "/accounts/login/", {"username": "sam.support", "password": "x"}, REMOTE_ADDR="10.1.1.1"
        )
    locked = client.post(
        "/accounts/login/",
        {"username": "sam.support", "password": PASSWORD},
        REMOTE_ADDR="10.1.1.1",
    )
    assert locked.status_code == 429
    assert "unlocks the account" in locked.content.decode()

    uid = urlsafe_base64_encode(force_bytes(support_user.pk))
    token = default_token_generator.make_token(support_user)
    form = client.get(f"/accounts/reset/{uid}/{token}/", follow=True)
    new_password = "a-brand-new-passphrase-2026"
    done = client.post(
        form.redirect_chain[-1][0], {"new_password1": new_password, "new_password2": new_password}
    )
    assert done.status_code == 302

    after = client.post(
        "/accounts/login/",
        {"username": "sam.support", "password": new_password},
        REMOTE_ADDR="10.1.1.1",
    )
    assert after.status_code == 302


@pytest.mark.parametrize(
    "path", ["/accounts/login/", "/accounts/password_reset/", "/i18n/setlang/"]
)
def test_public_pages_answer_bad_bodies_with_a_page_not_a_500(no_tracebacks, settings, path):
    client = Client()
    big = client.post(
        path,
        "x=" + "y" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1),
        content_type="application/x-www-form-urlencoded",
    )
    assert big.status_code == 413
    nested = client.post(path, "[" * 10_000, content_type="application/json")
    assert nested.status_code < 500
    odd = client.post(path, {"username": "\x00", "email": "a" * 300, "language": "xx-evil"})
    assert odd.status_code < 500


# --- what the second hostile review found ---------------------------------------------------


def test_an_overlong_username_is_a_400_not_a_database_error(no_tracebacks):
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "u" * 300, "password": "x"}, format="json"
    )
    assert "username" in assert_api_error(response, 400)["fields"]
    page = Client().post("/accounts/login/", {"username": "u" * 300, "password": "x"})
    assert page.status_code == 200
    assert "at most 150 characters" in page.content.decode()


def test_a_nul_character_in_attributes_is_refused(records, no_tracebacks):
    for attributes in [{"a": "x\u0000"}, {"a\u0000": 1}, {"a": [{"b": "\u0000"}]}]:
        response = send(
            records,
            "post",
            "/api/v1/customers/",
            json.dumps({"first_name": "A", "attributes": attributes}),
        )
        assert "NUL" in assert_api_error(response, 400)["fields"]["attributes"][0]


def test_attribute_limits_hold_at_every_level(records, no_tracebacks):
    for attributes in [{"a": {f"k{n}": n for n in range(51)}}, {"a": {"k" * 101: 1}}]:
        response = send(
            records,
            "post",
            "/api/v1/customers/",
            json.dumps({"first_name": "A", "attributes": attributes}),
        )
        assert "attributes" in assert_api_error(response, 400)["fields"]


def test_writes_racing_a_deletion_answer_404_or_400_not_500(records, admin_user):
    from config.exceptions import ApplicationError

    gone = factories.customer()
    stale = Customer.objects.get(pk=gone.pk)
    services.customer_delete(customer=gone)
    with pytest.raises(ApplicationError) as second_delete:
        services.customer_delete(customer=stale)
    assert second_delete.value.status_code == 404
    with pytest.raises(ApplicationError):
        services.interaction_create(customer=stale, author=admin_user, body="Hello?")
    with pytest.raises(ApplicationError):
        services.customer_update(customer=stale, data={"first_name": "X"})
    deleted_tag = services.tag_create(name="Gone")
    services.tag_delete(tag=Tag.objects.get(pk=deleted_tag.pk))
    with pytest.raises(ValidationError) as tags:
        services.customer_update(customer=records["customer"], data={}, tags=[deleted_tag])
    assert "tags" in tags.value.message_dict
    services.tag_delete(tag=deleted_tag)  # deleting twice is a no-op


def test_the_docs_pages_answer_get_and_head_only(records, admin_user, no_tracebacks):
    client = Client()
    client.force_login(admin_user)
    for path in ["/api/docs/", "/api/redoc/"]:
        assert client.options(path).status_code == 405
        assert client.head(path).status_code == 200


def test_the_token_endpoint_is_throttled_per_client_address(no_tracebacks, settings):
    client = APIClient()
    answers = [
        client.post("/api/v1/auth/token/", {"username": f"u{n}", "password": "x"}, format="json")
        for n in range(31)
    ]
    assert {a.status_code for a in answers[:30]} == {400}
    assert_api_error(answers[30], 429, "throttled")


def test_thousands_of_unknown_fields_get_a_short_answer(no_tracebacks):
    body = {f"field{n}": 1 for n in range(5000)}
    response = APIClient().post("/api/v1/auth/token/", body, format="json")
    fields = assert_api_error(response, 400)["fields"]
    assert len(fields) <= 25 and "4,980 more" in " ".join(fields["non_field_errors"])
    assert len(response.content) < 5000


def test_a_password_change_revokes_api_tokens(client, support_user):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=support_user)
    client.force_login(support_user)
    new_password = "another-long-passphrase-2026"
    response = client.post(
        "/accounts/password_change/",
        {"old_password": PASSWORD, "new_password1": new_password, "new_password2": new_password},
    )
    assert response.status_code == 302
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get("/api/v1/customers/").status_code == 401


@pytest.mark.parametrize("field", ["placed_at"])
def test_a_time_without_its_offset_is_refused(records, no_tracebacks, field):
    response = records["client"].post(
        "/api/v1/orders/",
        {
            "external_id": "DST-1",
            "customer": records["customer"].pk,
            "placed_at": "2026-03-29T03:30:00",
            "total": "5",
        },
        format="json",
    )
    assert "offset" in assert_api_error(response, 400)["fields"][field][0]
    note = records["client"].post(
        "/api/v1/interactions/",
        {"customer": records["customer"].pk, "body": "Hi", "occurred_at": "2026-03-29T03:30"},
        format="json",
    )
    assert "occurred_at" in assert_api_error(note, 400)["fields"]


def test_clearing_the_time_of_given_consent_is_refused(records, no_tracebacks):
    customer = factories.customer(email_consent=True)
    response = records["client"].patch(
        f"/api/v1/customers/{customer.pk}/", {"email_consent_at": None}, format="json"
    )
    assert "email_consent_at" in assert_api_error(response, 400)["fields"]
    withdrawn = records["client"].patch(
        f"/api/v1/customers/{customer.pk}/", {"email_consent": False}, format="json"
    )
    assert withdrawn.json()["email_consent_at"] is None


def test_an_old_consent_time_of_one_channel_does_not_block_the_other(records, settings):
    customer = factories.customer(
        sms_consent=True, sms_consent_at=factories.at_day(datetime.date(2005, 1, 1))
    )
    settings.EARLIEST_YEAR = 2010
    services.customer_update(customer=customer, data={"email_consent": True})
    customer.refresh_from_db()
    assert customer.email_consent and customer.sms_consent_at.year == 2005


@pytest.mark.parametrize("invisible", ["\u200b", "\u200b\u200d", "\u2066\u2069", " \t "])
def test_invisible_names_and_texts_are_refused(records, no_tracebacks, invisible):
    customer = records["client"].post(
        "/api/v1/customers/", {"first_name": invisible}, format="json"
    )
    assert_api_error(customer, 400)
    tag = records["client"].post("/api/v1/tags/", {"name": invisible}, format="json")
    assert_api_error(tag, 400)
    note = records["client"].post(
        "/api/v1/interactions/",
        {"customer": records["customer"].pk, "body": invisible},
        format="json",
    )
    assert_api_error(note, 400)


def test_a_multipart_body_gets_the_same_size_limit(no_tracebacks, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("big.bin", b"x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10))
    response = APIClient().post("/api/v1/auth/token/", {"file": upload}, format="multipart")
    assert_api_error(response, 413)


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/v1/orders/", {"ordering": "bogus"}),
        ("/api/v1/interactions/", {"ordering": "-nothing"}),
        ("/api/v1/tags/", {"ordering": "name,colour"}),
        ("/api/v1/customers/", {"statu": "active"}),
        ("/api/v1/orders/", {"placed": "2025-01-01"}),
    ],
)
def test_unknown_sorts_and_query_parameters_are_refused(records, no_tracebacks, path, params):
    response = records["client"].get(path, params)
    assert set(params) <= set(assert_api_error(response, 400)["fields"])


def test_known_query_parameters_still_work(records, no_tracebacks):
    client = records["client"]
    for path, params in [
        ("/api/v1/orders/", {"ordering": "-total", "status": "completed", "page_size": 5}),
        ("/api/v1/interactions/", {"ordering": "occurred_at", "kind": "note"}),
        ("/api/v1/tags/", {"ordering": "-name", "page": 1}),
        ("/api/v1/customers/", {"q": "only", "status": "active", "ordering": "-revenue"}),
    ]:
        assert client.get(path, params).status_code == 200, path


def test_a_negative_zero_total_is_stored_as_zero(records, no_tracebacks):
    response = records["client"].post(
        "/api/v1/orders/",
        {
            "external_id": "Z-0",
            "customer": records["customer"].pk,
            "placed_at": "2026-01-05T10:00:00Z",
            "total": "-0",
        },
        format="json",
    )
    assert response.status_code == 201 and response.json()["total"] == "0.00"


def test_health_answers_head(client):
    assert client.head("/healthz").status_code == 200


def test_messages_do_not_leak_python(records, no_tracebacks):
    huge = records["client"].post(
        "/api/v1/customers/", '{"first_name": ' + "9" * 5000 + "}", content_type="application/json"
    )
    assert "sys." not in assert_api_error(huge, 400)["message"]
    owner = records["client"].post(
        "/api/v1/customers/", {"first_name": "A", "owner": {"x": 1}}, format="json"
    )
    assert "{" not in assert_api_error(owner, 400)["fields"]["owner"][0]
    services.order_status_set(order=records["order"], status="refunded")
    cancel = records["client"].patch(
        f"/api/v1/orders/{records['order'].pk}/", {"status": "cancelled"}, format="json"
    )
    assert assert_api_error(cancel, 400)["message"] == (
        "The order is refunded; it cannot become cancelled."
    )
