"""The import pages: upload, match the columns, the check's report, the import."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from crm.models import Customer, ImportJob, ImportLayout, Order
from tests import factories

pytestmark = pytest.mark.django_db

SHOP = (
    "ID;E-mail;First name;Surname;Newsletter\n"
    "S-1;liga@example.lv;Līga;Ozola;x\nS-2;jonas@example.lt;Jonas;Petrauskas;y\n"
)


@pytest.fixture
def logged_in(client, admin_user, django_capture_on_commit_callbacks):
    """An Admin's client whose posts run the tasks they enqueue (after commit)."""
    client.force_login(admin_user)
    post = client.post

    def post_and_run(*args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return post(*args, **kwargs)

    client.post = post_and_run
    return client


def upload(client, text: str, kind: str = "customers", encoding: str = "utf-8", **extra):
    data = {
        "kind": kind, "encoding": "auto", "delimiter": "", "mode": "history",
        "file": SimpleUploadedFile("shop.csv", text.encode(encoding), "text/csv"), **extra,
    }  # fmt: skip
    return client.post(reverse("crm:import-list"), data)


def test_a_shop_export_is_uploaded_matched_checked_and_imported(logged_in):
    response = upload(logged_in, SHOP)
    job = ImportJob.objects.get()
    assert response["Location"] == reverse("crm:import-detail", args=[job.pk])
    assert job.mapping == {
        "id": "external_id", "e-mail": "email", "first name": "first_name", "surname": "last_name",
    }  # fmt: skip
    page = logged_in.get(response["Location"]).content.decode()
    assert "File column “newsletter”" in page
    mapping = {f"col{i}": job.mapping.get(name, "") for i, name in enumerate(job.header)}
    logged_in.post(reverse("crm:import-map", args=[job.pk]), mapping)
    job.refresh_from_db()
    assert (job.status, job.report["created"], job.report["ignored_columns"]) == (
        "checked",
        2,
        ["newsletter"],
    )
    assert not Customer.objects.exists()
    logged_in.post(reverse("crm:import-start", args=[job.pk]))
    job.refresh_from_db()
    assert (job.status, job.rows_done, job.rows_total) == ("done", 2, 2)
    assert Customer.objects.get(external_id="S-1").last_name == "Ozola"
    page = logged_in.get(reverse("crm:import-detail", args=[job.pk])).content.decode()
    assert "2 created, 0 updated, 0 unchanged." in page


def test_the_mapping_is_remembered_for_the_next_file_of_the_same_layout(logged_in):
    upload(logged_in, SHOP)
    job = ImportJob.objects.get()
    mapping = {f"col{i}": job.mapping.get(name, "") for i, name in enumerate(job.header)}
    mapping["col4"] = ""  # newsletter stays ignored
    mapping["col3"] = "company"  # an odd but deliberate choice
    logged_in.post(reverse("crm:import-map", args=[job.pk]), mapping)
    assert ImportLayout.objects.count() == 1
    upload(logged_in, SHOP)
    assert ImportJob.objects.order_by("-pk").first().mapping["surname"] == "company"


def test_a_file_with_a_bad_row_is_reported_and_cannot_be_imported(logged_in):
    upload(logged_in, SHOP.replace("jonas@example.lt", "not-an-email"))
    job = ImportJob.objects.get()
    mapping = {f"col{i}": job.mapping.get(name, "") for i, name in enumerate(job.header)}
    logged_in.post(reverse("crm:import-map", args=[job.pk]), mapping)
    page = logged_in.get(reverse("crm:import-detail", args=[job.pk])).content.decode()
    assert "1 bad row" in page and "Enter a valid email address." in page
    errors = logged_in.get(reverse("crm:import-errors", args=[job.pk])).content.decode("utf-8-sig")
    assert errors.splitlines() == ["line,column,message", "3,email,Enter a valid email address."]
    response = logged_in.post(reverse("crm:import-start", args=[job.pk]), follow=True)
    assert "Correct the bad rows first" in response.content.decode()
    assert not Customer.objects.exists()


def test_a_mapping_without_the_required_columns_is_refused(logged_in):
    upload(logged_in, SHOP)
    job = ImportJob.objects.get()
    response = logged_in.post(reverse("crm:import-map", args=[job.pk]), {"col1": "email"})
    assert response.status_code == 400
    assert "Match these columns: external_id." in response.content.decode()


def test_an_unreadable_file_is_a_field_error(logged_in):
    response = upload(logged_in, " \n")
    assert response.status_code == 400
    assert "The file is empty." in response.content.decode()
    assert not ImportJob.objects.exists()


def test_orders_import_in_history_mode_from_the_page(logged_in):
    factories.customer(external_id="S-1")
    upload(
        logged_in,
        "external_id,customer_external_id,placed_at,total\nO-1,S-1,01.02.2025,9,90\n".replace(
            "9,90", '"9,90"'
        ),
        kind="orders",
    )
    job = ImportJob.objects.get()
    mapping = {f"col{i}": job.mapping.get(name, "") for i, name in enumerate(job.header)}
    logged_in.post(reverse("crm:import-map", args=[job.pk]), mapping)
    logged_in.post(reverse("crm:import-start", args=[job.pk]))
    assert str(Order.objects.get().total) == "9.90"


@pytest.mark.parametrize(("role", "customers", "orders"), [
    ("support", 302, 200), ("marketing", 403, 403), ("admin", 302, 302), ("none", 403, 403),
])  # fmt: skip
def test_imports_follow_the_role_matrix(client, role_users, role, customers, orders):
    client.force_login(role_users[role])
    assert upload(client, SHOP).status_code == customers
    text = "external_id,customer_email,placed_at,total\nO-1,liga@example.lv,2025-01-01,1\n"
    response = upload(client, text, kind="orders")
    assert response.status_code in ((400,) if orders == 200 else (orders,))
