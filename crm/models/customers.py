"""Customer data: customers, their orders, the interaction timeline and tags."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from phonenumber_field.modelfields import PhoneNumberField

# The database's own bounds on every business date: nothing before 1900 or after 2199
# is ever right. The services keep the tighter range (EARLIEST_YEAR to today).
FIRST_STORABLE_DAY = datetime.date(1900, 1, 1)
LAST_STORABLE_DAY = datetime.date(2199, 12, 31)
FIRST_STORABLE_MOMENT = datetime.datetime(1900, 1, 1, tzinfo=datetime.UTC)
END_STORABLE_MOMENT = datetime.datetime(2200, 1, 1, tzinfo=datetime.UTC)


def _day_in_range(field: str, *, nullable: bool = False) -> Q:
    within = Q(**{f"{field}__gte": FIRST_STORABLE_DAY, f"{field}__lte": LAST_STORABLE_DAY})
    return within | Q(**{f"{field}__isnull": True}) if nullable else within


def _moment_in_range(field: str, *, nullable: bool = False) -> Q:
    within = Q(**{f"{field}__gte": FIRST_STORABLE_MOMENT, f"{field}__lt": END_STORABLE_MOMENT})
    return within | Q(**{f"{field}__isnull": True}) if nullable else within


class Tag(models.Model):
    class Color(models.TextChoices):
        GREY = "secondary", _("Grey")
        BLUE = "primary", _("Blue")
        GREEN = "success", _("Green")
        YELLOW = "warning", _("Yellow")
        RED = "danger", _("Red")
        CYAN = "info", _("Cyan")

    name = models.CharField(_("name"), max_length=50)
    color = models.CharField(_("colour"), max_length=20, choices=Color.choices, default=Color.GREY)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        constraints = [
            models.UniqueConstraint(Lower("name"), name="crm_tag_name_ci_unique"),
            models.CheckConstraint(condition=~Q(name=""), name="crm_tag_name_not_blank"),
        ]

    def __str__(self) -> str:
        return self.name


class Customer(models.Model):
    external_id = models.CharField(
        _("external id"),
        max_length=100,
        null=True,
        blank=True,
        unique=True,
        help_text=_(
            "The customer's id in the shop or billing system, for imports and integrations."
        ),
    )
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = PhoneNumberField(_("phone"), blank=True)
    company = models.CharField(_("company"), max_length=200, blank=True)
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    country = CountryField(_("country"), blank=True)
    birthday = models.DateField(
        _("birthday"),
        null=True,
        blank=True,
        help_text=_("For birthday greetings and the loyalty programme's birthday bonus."),
    )
    customer_since = models.DateField(
        _("customer since"),
        default=timezone.localdate,
        help_text=_("Acquisition date; moves earlier when an earlier order is recorded."),
    )
    closed_on = models.DateField(
        _("closed on"),
        null=True,
        blank=True,
        help_text=_("The day the relationship ended (account closed, contract cancelled)."),
    )
    tags = models.ManyToManyField(Tag, related_name="customers", blank=True, verbose_name=_("tags"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_customers",
        verbose_name=_("owner"),
    )
    email_consent = models.BooleanField(_("email consent"), default=False)
    email_consent_at = models.DateTimeField(_("email consent given"), null=True, blank=True)
    sms_consent = models.BooleanField(_("SMS consent"), default=False)
    sms_consent_at = models.DateTimeField(_("SMS consent given"), null=True, blank=True)
    attributes = models.JSONField(_("attributes"), default=dict, blank=True)
    # Figures over completed orders, kept current in the same transaction as every order
    # write (crm.services.orders.customer_figures_refresh): the list sorts and filters on
    # them without aggregating millions of orders per request.
    order_count = models.PositiveIntegerField(_("orders"), default=0, editable=False)
    revenue = models.DecimalField(
        _("revenue"), max_digits=14, decimal_places=2, default=0, editable=False
    )
    first_order_at = models.DateTimeField(_("first order"), null=True, editable=False)
    last_order_at = models.DateTimeField(_("last order"), null=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        indexes = [
            models.Index(fields=["customer_since"], name="crm_customer_since_idx"),
            models.Index(Lower("last_name"), Lower("first_name"), name="crm_customer_name_idx"),
            # The list's default order: the first page reads 25 index entries, not a sort.
            models.Index(
                fields=["last_name", "first_name", "id"], name="crm_customer_list_order_idx"
            ),
            models.Index(Lower("email"), name="crm_customer_email_idx"),
            # The list's sorts by figure, ties broken by id.
            models.Index(fields=["revenue", "id"], name="crm_customer_revenue_idx"),
            models.Index(fields=["last_order_at", "id"], name="crm_customer_last_order_idx"),
            # PostgreSQL also has (last_order_at DESC NULLS LAST, id DESC) for the newest
            # first sort: migration 0012 (SQLite has no NULLS LAST in an index).
            models.Index(fields=["order_count", "id"], name="crm_customer_order_count_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                Lower("email"), condition=~Q(email=""), name="crm_customer_email_ci_unique"
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=models.F("customer_since")),
                name="crm_customer_closed_after_since",
                violation_error_message=_(
                    "The closing date cannot be before the customer since date."
                ),
            ),
            models.CheckConstraint(
                condition=Q(email_consent=False) | Q(email_consent_at__isnull=False),
                name="crm_customer_email_consent_has_time",
                violation_error_message=_("Email consent needs the time it was given."),
            ),
            models.CheckConstraint(
                condition=Q(sms_consent=False) | Q(sms_consent_at__isnull=False),
                name="crm_customer_sms_consent_has_time",
                violation_error_message=_("SMS consent needs the time it was given."),
            ),
            models.CheckConstraint(
                condition=~Q(external_id=""), name="crm_customer_external_id_not_blank"
            ),
            models.CheckConstraint(
                condition=Q(revenue__gte=0), name="crm_customer_revenue_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(order_count=0, first_order_at=None, last_order_at=None)
                | Q(order_count__gt=0, first_order_at__lte=F("last_order_at")),
                name="crm_customer_figures_consistent",
            ),
            models.CheckConstraint(
                condition=_day_in_range("customer_since"), name="crm_customer_since_in_range"
            ),
            models.CheckConstraint(
                condition=_day_in_range("birthday", nullable=True),
                name="crm_customer_birthday_in_range",
            ),
            models.CheckConstraint(
                condition=_day_in_range("closed_on", nullable=True),
                name="crm_customer_closed_on_in_range",
            ),
            models.CheckConstraint(
                condition=_moment_in_range("email_consent_at", nullable=True),
                name="crm_customer_email_consent_at_in_range",
            ),
            models.CheckConstraint(
                condition=_moment_in_range("sms_consent_at", nullable=True),
                name="crm_customer_sms_consent_at_in_range",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        name = f"{self.first_name} {self.last_name}".strip()
        return name or self.email or self.company or f"#{self.pk}"


class Order(models.Model):
    class Status(models.TextChoices):
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")
        REFUNDED = "refunded", _("Refunded")

    class Channel(models.TextChoices):
        WEB = "web", _("Web shop")
        APP = "app", _("Mobile app")
        STORE = "store", _("Store")
        PHONE = "phone", _("Phone")
        MARKETPLACE = "marketplace", _("Marketplace")

    external_id = models.CharField(_("external id"), max_length=100, unique=True)
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="orders", verbose_name=_("customer")
    )
    placed_at = models.DateTimeField(_("placed at"))
    total = models.DecimalField(_("total"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.COMPLETED
    )
    channel = models.CharField(
        _("channel"), max_length=12, choices=Channel.choices, default=Channel.WEB
    )
    item_count = models.PositiveIntegerField(_("items"), default=1)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-placed_at", "-id"]
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        indexes = [
            # Per-customer completed orders (status filter, frequency models) and the
            # profile timeline. With status in the middle, SQLite's planner picks it for
            # the correlated EXISTS of the status filter instead of scanning by status.
            models.Index(
                fields=["customer", "status", "placed_at"], name="crm_order_customer_status_idx"
            ),
            # Period metrics scan completed orders by date.
            models.Index(fields=["status", "placed_at"], name="crm_order_status_placed_idx"),
            models.Index(fields=["placed_at"], name="crm_order_placed_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(total__gte=0), name="crm_order_total_not_negative"),
            models.CheckConstraint(condition=Q(item_count__gte=1), name="crm_order_items_positive"),
            models.CheckConstraint(
                condition=Q(status__in=["completed", "cancelled", "refunded"]),
                name="crm_order_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(channel__in=["web", "app", "store", "phone", "marketplace"]),
                name="crm_order_channel_valid",
            ),
            models.CheckConstraint(
                condition=~Q(external_id=""), name="crm_order_external_id_not_blank"
            ),
            models.CheckConstraint(condition=~Q(currency=""), name="crm_order_currency_not_blank"),
            models.CheckConstraint(
                condition=_moment_in_range("placed_at"), name="crm_order_placed_at_in_range"
            ),
        ]

    def __str__(self) -> str:
        return self.external_id


class Interaction(models.Model):
    class Kind(models.TextChoices):
        NOTE = "note", _("Note")
        CALL = "call", _("Call")
        EMAIL = "email", _("Email")
        CHAT = "chat", _("Chat")
        MEETING = "meeting", _("Meeting")

    class Direction(models.TextChoices):
        INBOUND = "inbound", _("Inbound")
        OUTBOUND = "outbound", _("Outbound")
        INTERNAL = "internal", _("Internal")

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="interactions", verbose_name=_("customer")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.NOTE)
    direction = models.CharField(
        _("direction"), max_length=10, choices=Direction.choices, default=Direction.INTERNAL
    )
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("text"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="interactions",
        verbose_name=_("author"),
    )
    occurred_at = models.DateTimeField(_("occurred at"), default=timezone.now)
    # A comment on a support case: an internal note, a reply or the customer's answer.
    case = models.ForeignKey(
        "crm.Case",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="comments",
        verbose_name=_("case"),
    )
    # When a reply went out by email (setting CASE_REPLY_EMAIL); None: not sent by email.
    emailed_at = models.DateTimeField(_("emailed"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")
        indexes = [
            models.Index(fields=["customer", "occurred_at"], name="crm_interaction_timeline_idx"),
            models.Index(fields=["case", "occurred_at"], name="crm_interaction_case_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["note", "call", "email", "chat", "meeting"]),
                name="crm_interaction_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(direction__in=["inbound", "outbound", "internal"]),
                name="crm_interaction_direction_valid",
            ),
            models.CheckConstraint(
                condition=~Q(subject="", body=""), name="crm_interaction_has_content"
            ),
            models.CheckConstraint(
                condition=_moment_in_range("occurred_at"),
                name="crm_interaction_occurred_at_in_range",
            ),
        ]

    def __str__(self) -> str:
        return self.subject or self.body[:50]
