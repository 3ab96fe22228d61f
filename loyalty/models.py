"""The loyalty programme: its settings, earn rules, tiers and rewards, and the ledger.

The ledger (`LedgerEntry`) is append-only: an account's balance is the sum of its
entries, always; corrections are new entries. `Account.balance` is a copy of that sum,
kept in the same transaction as every entry (under the account's row lock) so lists can
sort and filter by it; `loyalty_check` and the tests prove the two agree. On PostgreSQL
a trigger refuses UPDATE and DELETE of ledger rows (migration 0002); the one column that
changes is `remaining`, the points of an earn lot not yet spent or expired.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MAX_POINTS = 10_000_000  # one entry, one rule, one reward: a typo guard, not a business rule


class Programme(models.Model):
    """The installation's one programme (the `singleton` column makes a second impossible)."""

    class Rounding(models.TextChoices):
        DOWN = "down", _("Down (whole points earned only)")
        NEAREST = "nearest", _("To the nearest point")
        UP = "up", _("Up")

    class Enrolment(models.TextChoices):
        AUTOMATIC = "automatic", _("Automatic, on the first completed order")
        EXPLICIT = "explicit", _("Explicit, when staff or the customer join")

    singleton = models.BooleanField(default=True, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=100)
    point_name = models.CharField(
        _("point name"), max_length=30, default="points", help_text=_("Shown to staff, e.g. stars.")
    )
    point_value = models.DecimalField(
        _("value of one point"),
        max_digits=10,
        decimal_places=4,
        help_text=_("In the account currency: what the outstanding points are worth."),
    )
    earn_rate = models.DecimalField(
        _("earn rate"),
        max_digits=10,
        decimal_places=4,
        help_text=_("Points per currency unit spent on completed orders."),
    )
    rounding = models.CharField(
        _("rounding"), max_length=10, choices=Rounding.choices, default=Rounding.DOWN
    )
    lifetime_months = models.PositiveSmallIntegerField(
        _("points expire after (months)"),
        null=True,
        blank=True,
        help_text=_("Empty: points never expire."),
    )
    qualifying_months = models.PositiveSmallIntegerField(
        _("tier qualifying window (months)"),
        default=12,
        help_text=_("Tiers follow the points earned in this many past months."),
    )
    enrolment = models.CharField(
        _("enrolment"), max_length=10, choices=Enrolment.choices, default=Enrolment.AUTOMATIC
    )
    active_from = models.DateField(_("active from"))
    active_to = models.DateField(_("active to"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        constraints = [
            models.CheckConstraint(condition=Q(singleton=True), name="loyalty_programme_single"),
            models.CheckConstraint(condition=Q(point_value__gt=0), name="loyalty_point_value_pos"),
            models.CheckConstraint(condition=Q(earn_rate__gte=0), name="loyalty_earn_rate_not_neg"),
            models.CheckConstraint(
                condition=Q(lifetime_months__isnull=True) | Q(lifetime_months__range=(1, 120)),
                name="loyalty_lifetime_range",
            ),
            models.CheckConstraint(
                condition=Q(qualifying_months__range=(1, 60)), name="loyalty_qualifying_range"
            ),
            models.CheckConstraint(
                condition=Q(active_to__isnull=True) | Q(active_to__gte=F("active_from")),
                name="loyalty_programme_window",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class EarnRule(models.Model):
    """One way to earn points. Several rules may apply to one order; each writes its own
    ledger line."""

    class Kind(models.TextChoices):
        SPEND = "spend", _("Per spend on completed orders")
        PER_ORDER = "per_order", _("Fixed points per completed order")
        SIGNUP = "signup", _("Sign-up bonus")
        BIRTHDAY = "birthday", _("Birthday bonus")
        REFERRAL = "referral", _("Referral bonus")
        SURVEY = "survey", _("Survey completion bonus")

    ORDER_KINDS = (Kind.SPEND, Kind.PER_ORDER)

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    points = models.PositiveIntegerField(
        _("points"),
        default=0,
        help_text=_(
            "Fixed points (per order, bonus, or the referrer's share); spend rules "
            "use the programme's earn rate instead."
        ),
    )
    referred_points = models.PositiveIntegerField(_("points for the referred customer"), default=0)
    min_order_total = models.DecimalField(
        _("minimum order total"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    channels = models.JSONField(
        _("channels"), default=list, blank=True, help_text=_("Empty: every channel.")
    )
    active_from = models.DateField(_("active from"), null=True, blank=True)
    active_to = models.DateField(_("active to"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["kind", "name", "id"]
        verbose_name = _("earn rule")
        verbose_name_plural = _("earn rules")
        constraints = [
            models.UniqueConstraint(fields=["name"], name="loyalty_rule_name_unique"),
            models.CheckConstraint(
                condition=Q(
                    kind__in=["spend", "per_order", "signup", "birthday", "referral", "survey"]
                ),
                name="loyalty_rule_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(points__lte=MAX_POINTS) & Q(referred_points__lte=MAX_POINTS),
                name="loyalty_rule_points_range",
            ),
            models.CheckConstraint(
                condition=Q(min_order_total__isnull=True) | Q(min_order_total__gte=0),
                name="loyalty_rule_min_total_not_neg",
            ),
            models.CheckConstraint(
                condition=Q(active_from__isnull=True)
                | Q(active_to__isnull=True)
                | Q(active_to__gte=F("active_from")),
                name="loyalty_rule_window",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Tier(models.Model):
    """A level reached by points *earned* in the qualifying window (never by balance)."""

    name = models.CharField(_("name"), max_length=50)
    threshold = models.PositiveIntegerField(
        _("threshold"), help_text=_("Points earned in the qualifying window to reach it.")
    )
    multiplier = models.DecimalField(
        _("earn multiplier"),
        max_digits=4,
        decimal_places=2,
        default=1,
        help_text=_("Order points are multiplied by this, e.g. 1.25."),
    )
    benefits = models.TextField(_("benefits"), blank=True, max_length=2000)

    class Meta:
        ordering = ["threshold"]
        verbose_name = _("tier")
        verbose_name_plural = _("tiers")
        constraints = [
            models.UniqueConstraint(fields=["threshold"], name="loyalty_tier_threshold_unique"),
            models.UniqueConstraint(fields=["name"], name="loyalty_tier_name_unique"),
            models.CheckConstraint(
                condition=Q(multiplier__gte=1) & Q(multiplier__lte=10),
                name="loyalty_tier_multiplier_range",
            ),
            models.CheckConstraint(
                condition=Q(threshold__lte=MAX_POINTS), name="loyalty_tier_threshold_range"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Reward(models.Model):
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True, max_length=2000)
    cost = models.PositiveIntegerField(_("cost in points"))
    stock = models.PositiveIntegerField(
        _("stock"), null=True, blank=True, help_text=_("Empty: unlimited.")
    )
    per_customer_limit = models.PositiveIntegerField(
        _("limit per customer"), null=True, blank=True, help_text=_("Empty: no limit.")
    )
    active_from = models.DateField(_("active from"), null=True, blank=True)
    active_to = models.DateField(_("active to"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["cost", "name"]
        verbose_name = _("reward")
        verbose_name_plural = _("rewards")
        constraints = [
            models.UniqueConstraint(fields=["name"], name="loyalty_reward_name_unique"),
            models.CheckConstraint(
                condition=Q(cost__gt=0) & Q(cost__lte=MAX_POINTS), name="loyalty_reward_cost_range"
            ),
            models.CheckConstraint(
                condition=Q(per_customer_limit__isnull=True) | Q(per_customer_limit__gt=0),
                name="loyalty_reward_limit_positive",
            ),
            models.CheckConstraint(
                condition=Q(active_from__isnull=True)
                | Q(active_to__isnull=True)
                | Q(active_to__gte=F("active_from")),
                name="loyalty_reward_window",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Account(models.Model):
    """A customer's membership. `balance` equals the sum of the ledger entries (it is
    written with them, under this row's lock); it may be negative after a refund of
    points already spent, which blocks redemptions until later earnings cover it."""

    customer = models.OneToOneField(
        "crm.Customer",
        on_delete=models.PROTECT,
        null=True,
        related_name="loyalty_account",
        verbose_name=_("customer"),
    )
    # An account whose customer was merged into another: its points moved there.
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    balance = models.BigIntegerField(_("balance"), default=0)
    tier = models.ForeignKey(
        Tier,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="accounts",
        verbose_name=_("tier"),
    )
    qualifying_points = models.BigIntegerField(
        _("points earned in the qualifying window"), default=0
    )
    tier_since = models.DateTimeField(_("tier since"), null=True, blank=True)
    enrolled_at = models.DateTimeField(_("enrolled"), default=timezone.now)

    class Meta:
        ordering = ["-enrolled_at", "-id"]
        verbose_name = _("loyalty account")
        verbose_name_plural = _("loyalty accounts")
        indexes = [models.Index(fields=["balance", "id"], name="loyalty_account_balance_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(customer__isnull=False) | Q(merged_into__isnull=False),
                name="loyalty_account_has_owner",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk}"


class Redemption(models.Model):
    class Status(models.TextChoices):
        ISSUED = "issued", _("Issued")
        CANCELLED = "cancelled", _("Cancelled")

    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="redemptions", verbose_name=_("account")
    )
    reward = models.ForeignKey(
        Reward, on_delete=models.PROTECT, related_name="redemptions", verbose_name=_("reward")
    )
    points = models.PositiveIntegerField(_("points"))
    code = models.CharField(_("voucher code"), max_length=20, unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ISSUED
    )
    created_at = models.DateTimeField(_("redeemed"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("redeemed by"),
    )
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cancelled by"),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("redemption")
        verbose_name_plural = _("redemptions")
        indexes = [models.Index(fields=["account", "reward"], name="loyalty_redemption_acct_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(points__gt=0), name="loyalty_redemption_points"),
            models.CheckConstraint(
                condition=Q(status="issued", cancelled_at__isnull=True)
                | Q(status="cancelled", cancelled_at__isnull=False),
                name="loyalty_redemption_status_stamp",
            ),
        ]

    def __str__(self) -> str:
        return self.code


class LedgerEntry(models.Model):
    class Kind(models.TextChoices):
        EARN = "earn", _("Earned")
        REDEEM = "redeem", _("Redeemed")
        EXPIRE = "expire", _("Expired")
        REVERSE = "reverse", _("Reversed")
        ADJUST = "adjust", _("Adjusted")

    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="entries", verbose_name=_("account")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    points = models.IntegerField(_("points"))
    reason = models.CharField(_("reason"), max_length=500)
    # What caused the entry: at most one of these (the CHECK below).
    order = models.ForeignKey(
        "crm.Order",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("order"),
    )
    redemption = models.ForeignKey(
        Redemption,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="entries",
        verbose_name=_("redemption"),
    )
    lot = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("expired lot"),
    )
    rule = models.ForeignKey(
        EarnRule,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="entries",
        verbose_name=_("rule"),
    )
    # A stable key of the event for bonuses ("survey-response:41", "referral:7:referrer").
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("author"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    # Lots (points added: earn, positive adjust, returned redemption): when they expire
    # and how many are still unspent. Spending takes the soonest-expiring lots first.
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    remaining = models.IntegerField(_("unspent points"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        indexes = [
            models.Index(fields=["account", "created_at"], name="loyalty_entry_account_idx"),
            models.Index(
                fields=["account", "expires_at"],
                condition=Q(remaining__gt=0),
                name="loyalty_entry_open_lots_idx",
            ),
            models.Index(fields=["created_at", "kind"], name="loyalty_entry_created_idx"),
            models.Index(fields=["order"], name="loyalty_entry_order_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["earn", "redeem", "expire", "reverse", "adjust"]),
                name="loyalty_entry_kind_valid",
            ),
            models.CheckConstraint(condition=~Q(points=0), name="loyalty_entry_points_not_zero"),
            models.CheckConstraint(
                condition=Q(points__gte=-MAX_POINTS, points__lte=MAX_POINTS),
                name="loyalty_entry_points_range",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="loyalty_entry_has_reason"),
            # Earns add, redemptions and expiries take away.
            models.CheckConstraint(
                condition=~Q(kind="earn") | Q(points__gt=0), name="loyalty_earn_positive"
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=["redeem", "expire"]) | Q(points__lt=0),
                name="loyalty_spend_negative",
            ),
            models.CheckConstraint(
                condition=Q(remaining__isnull=True)
                | Q(remaining__gte=0, remaining__lte=F("points")),
                name="loyalty_lot_remaining_range",
            ),
            models.CheckConstraint(
                condition=~Q(kind="redeem") | Q(redemption__isnull=False),
                name="loyalty_redeem_has_redemption",
            ),
            models.CheckConstraint(
                condition=~Q(kind="expire") | Q(lot__isnull=False),
                name="loyalty_expire_has_lot",
            ),
            models.CheckConstraint(
                condition=~Q(kind="adjust") | Q(author__isnull=False) | ~Q(reference=""),
                name="loyalty_adjust_has_author",
            ),
            # One earn per order and rule; one reversal of it; one per bonus event.
            models.UniqueConstraint(
                fields=["order", "rule"],
                condition=Q(kind="earn", order__isnull=False),
                name="loyalty_one_earn_per_order_rule",
            ),
            models.UniqueConstraint(
                fields=["order", "rule"],
                condition=Q(kind="reverse", order__isnull=False),
                name="loyalty_one_reversal_per_order_rule",
            ),
            models.UniqueConstraint(
                fields=["reference"],
                condition=Q(kind__in=["earn", "adjust"]) & ~Q(reference=""),
                name="loyalty_one_entry_per_reference",
            ),
            models.UniqueConstraint(
                fields=["redemption"],
                condition=Q(kind="redeem"),
                name="loyalty_one_redeem_per_redemption",
            ),
            models.UniqueConstraint(
                fields=["redemption"],
                condition=Q(kind="reverse"),
                name="loyalty_one_return_per_redemption",
            ),
            models.UniqueConstraint(
                fields=["lot"], condition=Q(kind="expire"), name="loyalty_one_expiry_per_lot"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.points:+d}"


class TierChange(models.Model):
    class Reason(models.TextChoices):
        EARNED = "earned", _("Points earned")
        REVERSED = "reversed", _("Points reversed")
        WINDOW = "window", _("Points left the qualifying window")
        TIERS_CHANGED = "tiers", _("The tiers were changed")
        MERGED = "merged", _("Customers merged")

    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="tier_changes", verbose_name=_("account")
    )
    from_tier = models.ForeignKey(
        Tier, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    to_tier = models.ForeignKey(
        Tier, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The names at the time, so the history reads the same after a tier is renamed.
    from_name = models.CharField(_("from"), max_length=50, blank=True)
    to_name = models.CharField(_("to"), max_length=50, blank=True)
    qualifying_points = models.IntegerField(_("qualifying points"))
    reason = models.CharField(_("reason"), max_length=10, choices=Reason.choices)
    created_at = models.DateTimeField(_("changed"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("tier change")
        verbose_name_plural = _("tier changes")
        indexes = [models.Index(fields=["account", "created_at"], name="loyalty_tierchange_idx")]

    def __str__(self) -> str:
        return f"{self.from_name or '-'} -> {self.to_name or '-'}"


class IdempotencyKey(models.Model):
    """A client's key for one write: a replay returns the first result, a reuse with other
    parameters is refused (`idempotency_conflict`)."""

    # "<user id>:<the client's key>": each client has its own keys.
    key = models.CharField(max_length=255, unique=True)
    operation = models.CharField(max_length=30)
    fingerprint = models.CharField(max_length=64)
    result_id = models.BigIntegerField(null=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        indexes = [models.Index(fields=["created_at"], name="loyalty_idem_created_idx")]

    def __str__(self) -> str:
        return self.key
