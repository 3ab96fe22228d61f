"""manage.py import_customers FILE [--dry-run] [--encoding E] [--delimiter D]"""

from django.core.management.base import BaseCommand

from crm.imports.importers import customers_import
from crm.management.commands import _importing


class Command(BaseCommand):
    help = (
        "Import customers from CSV, matched by external_id (columns: external_id, first_name, "
        "last_name, email, phone, company, language, country, customer_since, closed_on, "
        "email_consent, sms_consent, tags). A file with any bad row imports nothing."
    )

    def add_arguments(self, parser):
        _importing.add_arguments(parser)

    def handle(self, *args, **options):
        _importing.run(self, customers_import, options)
