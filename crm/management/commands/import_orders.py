"""manage.py import_orders FILE [--mode history|live] [--dry-run] [--encoding E]"""

from django.core.management.base import BaseCommand

from crm.imports.columns import HISTORY, LIVE
from crm.imports.importers import orders_import
from crm.management.commands import _importing


class Command(BaseCommand):
    help = (
        "Import orders from CSV, matched by external_id (columns: external_id, "
        "customer_external_id or customer_email, placed_at, total, currency, status, channel, "
        "item_count). --mode history (default) sends no order events; live sends them. "
        "A file with any bad row imports nothing."
    )

    def add_arguments(self, parser):
        _importing.add_arguments(parser)
        parser.add_argument("--mode", choices=[HISTORY, LIVE], default=HISTORY)

    def handle(self, *args, **options):
        _importing.run(self, orders_import, options, mode=options["mode"])
