import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from crm.demo import demo_data_create, demo_users_ensure
from crm.models import Customer
from crm.signals import demo_data_loaded

MAX_CUSTOMERS = 200_000


class Command(BaseCommand):
    help = (
        "Load deterministic demo data (customers over three years with orders and interactions) "
        "and create one demo staff user per role. Refuses to run in production (DEBUG=false) "
        "unless --allow-production is given."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--customers",
            type=int,
            default=2000,
            help="How many customers to create (default 2000).",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=42,
            help="Random seed; the same seed gives the same data (default 42).",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Only load data when there is no customer yet; otherwise just "
            "make sure the demo users exist.",
        )
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Allow demo users and data when DEBUG is false.",
        )

    def handle(self, *args, customers, seed, if_empty, allow_production, **options):
        if not settings.DEBUG and not allow_production:
            raise CommandError(
                "seed_demo creates users with published passwords; it refuses to run with "
                "DEBUG=false. Pass --allow-production if this really is a demo server."
            )
        if not 1 <= customers <= MAX_CUSTOMERS:
            raise CommandError(f"--customers must be between 1 and {MAX_CUSTOMERS}.")
        existing = Customer.objects.count()
        if existing and not if_empty:
            raise CommandError(
                f"The database already holds {existing} customers; seed_demo loads into an empty "
                "database only (use --if-empty to skip loading)."
            )
        if existing:
            self.stdout.write(f"Demo data already loaded ({existing} customers).")
        else:
            started = time.monotonic()
            counts = demo_data_create(customers=customers, seed=seed)
            elapsed = time.monotonic() - started
            self.stdout.write(
                self.style.SUCCESS(
                    f"Loaded {counts['customers']} customers, {counts['orders']} orders, "
                    f"{counts['interactions']} interactions and {counts['cases']} cases "
                    f"in {elapsed:.1f} s (seed {seed})."
                )
            )
            # Higher apps (loyalty, surveys) add their demo data on top.
            for _receiver, extra in demo_data_loaded.send(sender=Customer, seed=seed):
                if extra:
                    self.stdout.write(str(extra))
        logins, skipped = demo_users_ensure()
        self.stdout.write("\nDemo logins (username / password, role):")
        for login in logins:
            self.stdout.write(f"  {login.username:<10} / {login.password:<20} {login.role}")
        for username in skipped:
            self.stdout.write(
                self.style.WARNING(
                    f"  {username}: an account with this name already exists with another "
                    "password; it was left alone."
                )
            )
