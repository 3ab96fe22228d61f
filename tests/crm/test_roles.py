"""Every cell of the README's role matrix, for pages and API alike."""

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.models import Customer, Interaction, Order, Tag
from crm.roles import role_permissions, roles_sync
from tests import factories
from tests.conftest import api_as

pytestmark = pytest.mark.django_db

ROLES = ["support", "marketing", "admin", "none"]


def allowed(*roles):
    return {role: role in roles for role in ROLES}


@pytest.fixture
def customer():
    return factories.customer(first_name="Līga", last_name="Ozola")


PAGE_MATRIX = [
    (
        "customer list",
        "get",
        lambda c: reverse("crm:customer-list"),
        allowed("support", "marketing", "admin"),
    ),
    (
        "customer profile",
        "get",
        lambda c: reverse("crm:customer-detail", args=[c.pk]),
        allowed("support", "marketing", "admin"),
    ),
    (
        "add a note",
        "post",
        lambda c: reverse("crm:interaction-add", args=[c.pk]),
        allowed("support", "admin"),
    ),
]


@pytest.mark.parametrize(
    ("name", "method", "url", "matrix"), PAGE_MATRIX, ids=[m[0] for m in PAGE_MATRIX]
)
@pytest.mark.parametrize("role", ROLES)
def test_pages_follow_the_role_matrix(
    client, role_users, customer, name, method, url, matrix, role
):
    client.force_login(role_users[role])
    data = (
        {"kind": "note", "direction": "internal", "body": "Called back"}
        if method == "post"
        else None
    )
    response = getattr(client, method)(url(customer), data)
    if matrix[role]:
        assert response.status_code in (200, 302)
        if method == "get":
            assert "Līga Ozola" in response.content.decode()
        else:
            assert Interaction.objects.filter(customer=customer, body="Called back").exists()
    else:
        assert response.status_code == 403
        assert "Your role does not allow this page." in response.content.decode()
        assert not Interaction.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_only_admin_reaches_the_administration(client, role_users, role):
    client.force_login(role_users[role])
    response = client.get(reverse("admin:index"))
    if role == "admin":
        assert response.status_code == 200
        assert "Customers" in response.content.decode()
        assert client.get(reverse("admin:auth_user_changelist")).status_code == 200
    else:
        assert response.status_code == 302


def test_anonymous_visitors_are_sent_to_the_login_page(client, customer):
    response = client.get(reverse("crm:customer-detail", args=[customer.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def _api_matrix():
    now = timezone.now().isoformat()
    return [
        (
            "list customers",
            "get",
            lambda c: "/api/v1/customers/",
            None,
            allowed("support", "marketing", "admin"),
        ),
        (
            "create a customer",
            "post",
            lambda c: "/api/v1/customers/",
            lambda c: {"first_name": "Jonas", "email": "jonas@example.com"},
            allowed("support", "admin"),
        ),
        (
            "update a customer",
            "patch",
            lambda c: f"/api/v1/customers/{c.pk}/",
            lambda c: {"company": "Amber Foods"},
            allowed("support", "admin"),
        ),
        (
            "delete a customer",
            "delete",
            lambda c: f"/api/v1/customers/{c.pk}/",
            None,
            allowed("admin"),
        ),
        (
            "list orders",
            "get",
            lambda c: "/api/v1/orders/",
            None,
            allowed("support", "marketing", "admin"),
        ),
        (
            "record an order",
            "post",
            lambda c: "/api/v1/orders/",
            lambda c: {
                "external_id": "API-1",
                "customer": c.pk,
                "placed_at": now,
                "total": "12.30",
            },
            allowed("admin"),
        ),
        (
            "refund an order",
            "patch",
            lambda c: f"/api/v1/orders/{c.orders.get().pk}/",
            lambda c: {"status": "refunded"},
            allowed("admin"),
        ),
        (
            "list interactions",
            "get",
            lambda c: "/api/v1/interactions/",
            None,
            allowed("support", "marketing", "admin"),
        ),
        (
            "add an interaction",
            "post",
            lambda c: "/api/v1/interactions/",
            lambda c: {"customer": c.pk, "body": "Hi"},
            allowed("support", "admin"),
        ),
        (
            "list tags",
            "get",
            lambda c: "/api/v1/tags/",
            None,
            allowed("support", "marketing", "admin"),
        ),
        (
            "create a tag",
            "post",
            lambda c: "/api/v1/tags/",
            lambda c: {"name": "Gold"},
            allowed("marketing", "admin"),
        ),
        (
            "delete a tag",
            "delete",
            lambda c: f"/api/v1/tags/{Tag.objects.get().pk}/",
            None,
            allowed("marketing", "admin"),
        ),
    ]


API_MATRIX = _api_matrix()


@pytest.mark.parametrize(
    ("name", "method", "url", "body", "matrix"), API_MATRIX, ids=[m[0] for m in API_MATRIX]
)
@pytest.mark.parametrize("role", ROLES)
def test_the_api_follows_the_role_matrix(
    role_users, customer, name, method, url, body, matrix, role
):
    Tag.objects.create(name="Silver")
    if name == "refund an order":
        factories.order(customer)
    if name == "delete a customer":
        customer = factories.customer(first_name="Temp")
    before = (
        Customer.objects.count(),
        Order.objects.count(),
        Tag.objects.count(),
        Interaction.objects.count(),
    )
    response = getattr(api_as(role_users[role]), method)(
        url(customer), body(customer) if body else None, format="json"
    )
    after = (
        Customer.objects.count(),
        Order.objects.count(),
        Tag.objects.count(),
        Interaction.objects.count(),
    )
    if matrix[role]:
        assert response.status_code in (200, 201, 204), response.content
    else:
        assert response.status_code == 403
        assert response.json()["code"] == "permission_denied"
        assert before == after


def test_the_api_asks_anonymous_callers_to_authenticate(api_client):
    response = api_client.get("/api/v1/customers/")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_roles_sync_is_idempotent_and_admin_holds_every_permission():
    first = roles_sync()
    second = roles_sync()
    assert first == second
    assert first["Support"] == len(role_permissions()["Support"])
    assert first["Marketing"] == len(role_permissions()["Marketing"])
    from django.contrib.auth.models import Permission

    assert first["Admin"] == Permission.objects.count()


def test_orders_cannot_be_added_or_deleted_in_the_administration(client, admin_user):
    order = factories.order(factories.customer())
    client.force_login(admin_user)
    assert client.get(reverse("admin:crm_order_add")).status_code == 403
    assert (
        client.post(reverse("admin:crm_order_delete", args=[order.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert Order.objects.filter(pk=order.pk).exists()


def test_an_app_grants_only_its_own_permissions_to_known_roles():
    from django.core.exceptions import ImproperlyConfigured

    from crm.roles import role_grants_register

    with pytest.raises(ImproperlyConfigured, match="only its own"):
        role_grants_register(app_label="loyalty", grants={"Support": ["crm.delete_customer"]})
    with pytest.raises(ImproperlyConfigured, match="unknown role"):
        role_grants_register(app_label="loyalty", grants={"Cashier": ["loyalty.view_x"]})
    # The refused declarations changed nothing: loyalty keeps the grants it declared.
    granted = role_permissions()
    assert all(
        code.split(".")[0] in {"crm", "loyalty", "surveys", "analytics"}
        for c in granted.values()
        for code in c
    )
    assert "loyalty.view_account" in granted["Support"]
    assert "crm.delete_customer" not in granted["Support"]


CUSTOMER_PAGE_MATRIX = [
    ("new customer page", lambda c: reverse("crm:customer-create"), allowed("support", "admin")),
    (
        "edit customer page",
        lambda c: reverse("crm:customer-edit", args=[c.pk]),
        allowed("support", "admin"),
    ),
    (
        "delete customer page",
        lambda c: reverse("crm:customer-delete", args=[c.pk]),
        allowed("admin"),
    ),
    (
        "merge customers page",
        lambda c: reverse("crm:customer-merge", args=[c.pk]),
        allowed("admin"),
    ),
]


@pytest.mark.parametrize(
    ("name", "url", "matrix"), CUSTOMER_PAGE_MATRIX, ids=[m[0] for m in CUSTOMER_PAGE_MATRIX]
)
@pytest.mark.parametrize("role", ROLES)
def test_customer_editing_pages_follow_the_role_matrix(
    client, role_users, customer, name, url, matrix, role
):
    client.force_login(role_users[role])
    page = client.get(url(customer))
    assert page.status_code == (200 if matrix[role] else 403)
    # A refused role cannot write by posting either.
    if not matrix[role]:
        client.post(url(customer), {"first_name": "Changed", "language": "en", "confirm": "on"})
        customer.refresh_from_db()
        assert customer.first_name == "Līga"
        assert Customer.objects.count() == 1


@pytest.fixture
def case(customer):
    return factories.case(customer, subject="Parcel never arrived")


CASE_PAGE_MATRIX = [
    (
        "case queue",
        "get",
        lambda c: reverse("crm:case-list"),
        allowed("support", "marketing", "admin"),
    ),
    (
        "my cases",
        "get",
        lambda c: reverse("crm:case-mine"),
        allowed("support", "marketing", "admin"),
    ),
    (
        "case page",
        "get",
        lambda c: reverse("crm:case-detail", args=[c.number]),
        allowed("support", "marketing", "admin"),
    ),
    (
        "open a case page",
        "get",
        lambda c: f"{reverse('crm:case-create')}?customer={c.customer_id}",
        allowed("support", "admin"),
    ),
    (
        "edit a case page",
        "get",
        lambda c: reverse("crm:case-edit", args=[c.number]),
        allowed("support", "admin"),
    ),
    (
        "comment on a case",
        "post",
        lambda c: reverse("crm:case-comment", args=[c.number]),
        allowed("support", "admin"),
    ),
    (
        "resolve a case",
        "post",
        lambda c: reverse("crm:case-status", args=[c.number]),
        allowed("support", "admin"),
    ),
    ("history page", "get", lambda c: reverse("crm:history"), allowed("admin")),
]


@pytest.mark.parametrize(
    ("name", "method", "url", "matrix"), CASE_PAGE_MATRIX, ids=[m[0] for m in CASE_PAGE_MATRIX]
)
@pytest.mark.parametrize("role", ROLES)
def test_case_pages_follow_the_role_matrix(
    client, role_users, case, name, method, url, matrix, role
):
    client.force_login(role_users[role])
    data = {"kind": "note", "channel": "email", "body": "Checked", "status": "resolved"}
    response = getattr(client, method)(url(case), data if method == "post" else None)
    case.refresh_from_db()
    if matrix[role]:
        assert response.status_code in (200, 302)
        expected = {
            "my cases": "My cases",
            "open a case page": "New case for Līga Ozola",
            "history page": "History",
        }.get(name, "Parcel never arrived")
        if method == "get":
            assert expected in response.content.decode()
        if name == "comment on a case":
            assert case.comments.filter(body="Checked").exists()
        if name == "resolve a case":
            assert case.status == "resolved"
    else:
        assert response.status_code == 403
        assert case.status == "new"
        assert not case.comments.exists()


@pytest.mark.parametrize("role", ROLES)
def test_the_cases_link_and_panel_follow_the_role(client, role_users, case, role):
    client.force_login(role_users[role])
    html = client.get(reverse("crm:customer-detail", args=[case.customer_id])).content.decode()
    sees_cases = role in ("support", "marketing", "admin")
    assert ('data-testid="nav-cases"' in html) == sees_cases
    assert ('data-testid="panel-cases"' in html) == sees_cases
    assert ('data-testid="open-case"' in html) == (role in ("support", "admin"))


def _case_api_matrix():
    return [
        (
            "list cases",
            "get",
            lambda c: "/api/v1/cases/",
            None,
            allowed("support", "marketing", "admin"),
        ),
        (
            "read a case",
            "get",
            lambda c: f"/api/v1/cases/{c.pk}/",
            None,
            allowed("support", "marketing", "admin"),
        ),
        (
            "open a case",
            "post",
            lambda c: "/api/v1/cases/",
            lambda c: {"customer": c.customer_id, "subject": "Another"},
            allowed("support", "admin"),
        ),
        (
            "resolve a case",
            "patch",
            lambda c: f"/api/v1/cases/{c.pk}/",
            lambda c: {"status": "resolved"},
            allowed("support", "admin"),
        ),
        (
            "list comments",
            "get",
            lambda c: f"/api/v1/cases/{c.pk}/comments/",
            None,
            allowed("support", "marketing", "admin"),
        ),
        (
            "add a comment",
            "post",
            lambda c: f"/api/v1/cases/{c.pk}/comments/",
            lambda c: {"kind": "note", "body": "Checked"},
            allowed("support", "admin"),
        ),
        ("delete a case", "delete", lambda c: f"/api/v1/cases/{c.pk}/", None, allowed()),
    ]


CASE_API_MATRIX = _case_api_matrix()


@pytest.mark.parametrize(
    ("name", "method", "url", "body", "matrix"),
    CASE_API_MATRIX,
    ids=[m[0] for m in CASE_API_MATRIX],
)
@pytest.mark.parametrize("role", ROLES)
def test_the_case_api_follows_the_role_matrix(
    role_users, case, name, method, url, body, matrix, role
):
    from crm.models import Case

    response = getattr(api_as(role_users[role]), method)(
        url(case), body(case) if body else None, format="json"
    )
    case.refresh_from_db()
    if matrix[role]:
        assert response.status_code in (200, 201), response.content
    else:
        assert response.status_code in (403, 405)
        assert (Case.objects.count(), case.status, case.comments.count()) == (1, "new", 0)
        if role != "admin" or name != "delete a case":
            assert response.status_code == 403
