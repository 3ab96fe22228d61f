"""CSV imports: encodings, delimiters, date and amount formats, every failure mode,
idempotent re-import, history and live mode, the command line."""

import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from crm import signals
from crm.imports.importers import customers_import, orders_import
from crm.models import Customer, Order
from tests import factories

pytestmark = pytest.mark.django_db

CUSTOMERS = """external_id;first_name;last_name;email;phone;country;language;customer_since;tags
C-1;Līga;Bērziņa;liga@example.lv;29123456;LV;lv;15.03.2024;VIP| Newsletter
C-2;Jonas;Petrauskas;jonas@example.lt;+370 612 34567;LT;lt;2024-05-01;
"""


def as_file(text: str, encoding: str = "utf-8") -> io.BytesIO:
    return io.BytesIO(text.encode(encoding))


def test_customers_are_imported_from_a_spreadsheet_export():
    report = customers_import(as_file(CUSTOMERS))
    assert report.ok, report.errors
    assert (report.rows, report.created, report.delimiter) == (2, 2, ";")
    liga = Customer.objects.get(external_id="C-1")
    assert (liga.first_name, str(liga.phone), liga.customer_since.isoformat()) == (
        "Līga",
        "+37129123456",
        "2024-03-15",
    )
    assert sorted(t.name for t in liga.tags.all()) == ["Newsletter", "VIP"]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp1257", "utf-8"])
def test_baltic_files_decode_whatever_their_encoding(encoding):
    report = customers_import(as_file(CUSTOMERS, encoding))
    assert report.ok, (report.file_errors, report.errors)
    assert Customer.objects.get(external_id="C-1").last_name == "Bērziņa"


def test_a_russian_windows_file_is_detected_as_cp1251():
    text = "external_id,first_name,last_name\nR-1,Анна,Кузнецова\n"
    report = customers_import(as_file(text, "cp1251"))
    assert report.encoding == "cp1251"
    assert Customer.objects.get().last_name == "Кузнецова"


def test_a_wrong_chosen_encoding_is_refused_with_a_clear_message():
    report = customers_import(as_file(CUSTOMERS, "cp1257"), encoding="utf-8")
    assert report.file_errors == ["The file is not in utf-8; choose its encoding."]
    assert not Customer.objects.exists()


def test_a_missing_required_column_imports_nothing():
    report = customers_import(as_file("first_name,email\nAnna,anna@example.com\n"))
    assert report.file_errors == ["Missing columns: external_id."]
    assert not Customer.objects.exists()


def test_one_bad_row_is_reported_and_nothing_is_imported():
    text = CUSTOMERS + "C-3;Ilze;Ozola;not-an-email;12;LV;lv;31.02.2024;\n"
    report = customers_import(as_file(text))
    assert not report.ok
    assert {(e.line, e.column) for e in report.errors} == {
        (4, "email"),
        (4, "phone"),
        (4, "customer_since"),
    }
    assert report.created == 2  # what the good rows would do
    assert not Customer.objects.exists()


def test_reimporting_the_same_file_changes_nothing():
    customers_import(as_file(CUSTOMERS))
    before = list(Customer.objects.values_list("pk", "updated_at"))
    again = customers_import(as_file(CUSTOMERS))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert list(Customer.objects.values_list("pk", "updated_at")) == before


def test_a_changed_row_updates_only_that_customer():
    customers_import(as_file(CUSTOMERS))
    changed = CUSTOMERS.replace("Jonas;Petrauskas", "Jonas;Jankauskas")
    report = customers_import(as_file(changed))
    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    assert Customer.objects.get(external_id="C-2").last_name == "Jankauskas"


def test_an_email_of_another_customer_is_refused():
    factories.customer(email="liga@example.lv", external_id="SHOP-9")
    report = customers_import(as_file(CUSTOMERS))
    assert [(e.line, e.column, e.message) for e in report.errors] == [
        (2, "email", "Another customer has this email.")
    ]


def test_the_dry_run_reports_and_writes_nothing():
    report = customers_import(as_file(CUSTOMERS), dry_run=True)
    assert (report.ok, report.created) == (True, 2)
    assert not Customer.objects.exists()


ORDERS = """external_id,customer_external_id,placed_at,total,status,channel
O-1,C-1,2024-03-01 10:15,"19,99",completed,web
O-2,C-1,05.04.2024 12:00,1 234.50,completed,store
O-3,C-2,2024-06-01T09:00:00+03:00,10.00,refunded,app
"""


@pytest.fixture
def shop():
    customers_import(as_file(CUSTOMERS))


def test_orders_are_imported_and_keep_customer_since_true(shop):
    report = orders_import(as_file(ORDERS))
    assert report.ok, report.errors
    assert Order.objects.get(external_id="O-1").total == Decimal("19.99")
    assert Order.objects.get(external_id="O-2").total == Decimal("1234.50")
    liga = Customer.objects.get(external_id="C-1")
    assert liga.customer_since.isoformat() == "2024-03-01"  # moved to the first order day
    assert (liga.order_count, liga.revenue) == (2, Decimal("1254.49"))  # figures kept
    jonas = Customer.objects.get(external_id="C-2")
    assert jonas.customer_since.isoformat() == "2024-05-01"  # a refunded order moves nothing


def test_orders_may_name_their_customer_by_email(shop):
    text = "external_id,customer_email,placed_at,total\nO-9,LIGA@example.lv,2024-08-01,5\n"
    assert orders_import(as_file(text)).ok
    assert Order.objects.get().customer.external_id == "C-1"


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        ("O-9,C-404,2024-08-01,5", "customer_external_id", "No customer has this external id."),
        ("O-9,C-1,someday,5", "placed_at", "Write the time as"),
        ("O-9,C-1,2024-08-01,five", "total", "Write the amount as 19.99 or 19,99."),
        ("O-9,C-1,2024-08-01,-5", "total", "The total cannot be negative."),
        ("O-9,C-1,1999-08-01,5", "placed_at", "Enter a time on or after"),
    ],
)
def test_each_bad_order_row_is_reported_and_nothing_is_imported(shop, row, column, message):
    text = "external_id,customer_external_id,placed_at,total\nO-8,C-1,2024-08-01,5\n" + row + "\n"
    report = orders_import(as_file(text))
    assert [(e.line, e.column) for e in report.errors] == [(3, column)]
    assert message in report.errors[0].message
    assert not Order.objects.exists()


def test_reimported_orders_change_nothing_and_a_later_refund_applies(shop):
    orders_import(as_file(ORDERS))
    again = orders_import(as_file(ORDERS))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    refunded = ORDERS.replace(
        'O-1,C-1,2024-03-01 10:15,"19,99",completed', 'O-1,C-1,2024-03-01 10:15,"19,99",refunded'
    )
    report = orders_import(as_file(refunded))
    assert (report.updated, report.unchanged) == (1, 2)
    assert Order.objects.get(external_id="O-1").status == "refunded"


def test_history_mode_sends_no_order_events_and_live_mode_does(
    shop, django_capture_on_commit_callbacks
):
    received = []

    def listen(sender, order_id, customer_id, **kw):
        received.append(order_id)

    signals.order_completed.connect(listen)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            orders_import(as_file(ORDERS))
        assert received == []
        live = "external_id,customer_external_id,placed_at,total\nO-7,C-2,2024-09-01,7.00\n"
        with django_capture_on_commit_callbacks(execute=True):
            orders_import(as_file(live), mode="live")
    finally:
        signals.order_completed.disconnect(listen)
    assert received == [Order.objects.get(external_id="O-7").pk]


def test_the_commands_print_the_report_and_fail_on_a_bad_file(shop, tmp_path):
    good = tmp_path / "orders.csv"
    good.write_text(ORDERS, encoding="utf-8")
    out = io.StringIO()
    call_command("import_orders", str(good), "--dry-run", stdout=out)
    assert "3 would be created, 0 updated, 0 unchanged" in out.getvalue()
    assert not Order.objects.exists()
    call_command("import_orders", str(good), stdout=out)
    assert Order.objects.count() == 3
    bad = tmp_path / "customers.csv"
    bad.write_text("external_id,email\nX-1,nope\n", encoding="utf-8")
    out = io.StringIO()
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_customers", str(bad), stdout=out)
    assert "line 2, email: Enter a valid email address." in out.getvalue()


@pytest.mark.parametrize(
    ("total", "message"),
    [("1e11", "The total must be under 10,000,000,000."), ("1e999999", "under 10,000,000,000")],
)
def test_a_total_the_database_cannot_hold_is_a_row_error(shop, total, message):
    text = f"external_id,customer_external_id,placed_at,total\nO-1,C-1,2024-08-01,{total}\n"
    report = orders_import(as_file(text))
    assert [(e.column, message in e.message) for e in report.errors] == [("total", True)]
    assert not Order.objects.exists()


def test_a_nul_character_is_a_row_error():
    report = customers_import(as_file("external_id,first_name\nN-1,a\x00b\n"))
    assert [(e.line, e.column) for e in report.errors] == [(2, "first_name")]
    assert not Customer.objects.exists()


def test_a_header_too_long_for_csv_is_a_file_error():
    report = customers_import(as_file('"' + "x" * 50_000 + "\n"))
    assert report.file_errors and "not valid CSV" in report.file_errors[0]


def test_a_utf16_file_is_refused_with_what_to_do():
    report = customers_import(io.BytesIO(CUSTOMERS.encode("utf-16")))
    assert report.file_errors == [
        "The file is in UTF-16; save it as UTF-8 (CSV UTF-8 in spreadsheets)."
    ]


def test_an_order_naming_two_different_customers_is_refused(shop):
    text = "external_id,customer_external_id,customer_email,placed_at,total\n"
    text += "O-1,C-1,jonas@example.lt,2024-08-01,5\n"
    report = orders_import(as_file(text))
    assert [(e.column, e.message) for e in report.errors] == [
        ("customer_email", "The external id and the email name different customers.")
    ]
