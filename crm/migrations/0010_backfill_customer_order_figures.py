# Fill in each customer's order figures from the orders, in one set-based statement.

from decimal import Decimal

from django.db import migrations
from django.db.models import Count, DecimalField, Max, Min, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce


def backfill(apps, schema_editor):
    Customer = apps.get_model("crm", "Customer")
    Order = apps.get_model("crm", "Order")
    completed = Order.objects.filter(customer=OuterRef("pk"), status="completed").values(
        "customer"
    )

    def figure(aggregate):
        return Subquery(completed.annotate(figure=aggregate).values("figure")[:1])

    Customer.objects.update(
        order_count=Coalesce(figure(Count("id")), Value(0)),
        revenue=Coalesce(
            figure(Sum("total")), Value(Decimal("0.00")), output_field=DecimalField()
        ),
        first_order_at=figure(Min("placed_at")),
        last_order_at=figure(Max("placed_at")),
    )


class Migration(migrations.Migration):
    dependencies = [("crm", "0009_customer_order_figures")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
