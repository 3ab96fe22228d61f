"""Input and output shapes of the crm API. Inputs validate types; services validate rules.

Input serializers derive from InputSerializer: a field they do not declare is refused
by name, never dropped.
"""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from config.api import AwareDateTimeField, IdField, InputSerializer
from crm.models import Case, Customer, Interaction, Order, Segment, Tag, Team


class TagSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tag
        fields = ["id", "name", "color"]


class TagInputSerializer(InputSerializer):
    name = serializers.CharField(max_length=50)
    color = serializers.ChoiceField(choices=Tag.Color.choices, required=False)


class CustomerOutputSerializer(serializers.ModelSerializer):
    phone = serializers.CharField(read_only=True)
    country = serializers.CharField(source="country.code", read_only=True)
    tags = TagSerializer(many=True, read_only=True)
    owner = serializers.SlugRelatedField(slug_field="username", read_only=True)
    display_name = serializers.CharField(read_only=True)

    class Meta:
        model = Customer
        fields = [
            "id",
            "external_id",
            "display_name",
            "first_name",
            "last_name",
            "email",
            "phone",
            "company",
            "language",
            "country",
            "birthday",
            "customer_since",
            "closed_on",
            "tags",
            "owner",
            "email_consent",
            "email_consent_at",
            "sms_consent",
            "sms_consent_at",
            "attributes",
            "created_at",
            "updated_at",
        ]


class CustomerListOutputSerializer(CustomerOutputSerializer):
    order_count = serializers.IntegerField(read_only=True)
    revenue = serializers.DecimalField(
        max_digits=14, decimal_places=2, read_only=True, coerce_to_string=True, allow_null=True
    )
    last_order_at = serializers.DateTimeField(read_only=True, allow_null=True)

    class Meta(CustomerOutputSerializer.Meta):
        fields = CustomerOutputSerializer.Meta.fields + ["order_count", "revenue", "last_order_at"]


class CustomerInputSerializer(InputSerializer):
    external_id = serializers.CharField(
        max_length=100, required=False, allow_blank=True, allow_null=True
    )
    first_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    company = serializers.CharField(max_length=200, required=False, allow_blank=True)
    language = serializers.ChoiceField(
        choices=Customer._meta.get_field("language").choices, required=False
    )
    country = serializers.CharField(max_length=2, required=False, allow_blank=True)
    birthday = serializers.DateField(required=False, allow_null=True)
    customer_since = serializers.DateField(required=False)
    closed_on = serializers.DateField(required=False, allow_null=True)
    owner = serializers.SlugRelatedField(
        slug_field="username",
        queryset=get_user_model().objects.filter(is_active=True),
        required=False,
        allow_null=True,
        error_messages={
            "does_not_exist": _("No active staff member has this username."),
            "invalid": _("Give the owner's username."),
        },
    )
    email_consent = serializers.BooleanField(required=False)
    email_consent_at = AwareDateTimeField(required=False, allow_null=True)
    sms_consent = serializers.BooleanField(required=False)
    sms_consent_at = AwareDateTimeField(required=False, allow_null=True)
    attributes = serializers.DictField(required=False)
    tags = IdField(queryset=Tag.objects.all(), many=True, required=False)

    def validate_country(self, value):
        return value.upper()


class OrderOutputSerializer(serializers.ModelSerializer):
    total = serializers.DecimalField(max_digits=12, decimal_places=2, coerce_to_string=True)

    class Meta:
        model = Order
        fields = [
            "id",
            "external_id",
            "customer",
            "placed_at",
            "total",
            "currency",
            "status",
            "channel",
            "item_count",
            "created_at",
            "updated_at",
        ]


class OrderInputSerializer(InputSerializer):
    external_id = serializers.CharField(max_length=100)
    customer = IdField(queryset=Customer.objects.all())
    placed_at = AwareDateTimeField()
    total = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)
    currency = serializers.CharField(max_length=3, required=False)
    status = serializers.ChoiceField(choices=Order.Status.choices, required=False)
    channel = serializers.ChoiceField(choices=Order.Channel.choices, required=False)
    item_count = serializers.IntegerField(min_value=1, max_value=100000, required=False)


class OrderUpdateInputSerializer(InputSerializer):
    """Refund or cancel (`status`), or correct when the order was placed (`placed_at`)."""

    status = serializers.ChoiceField(
        choices=[Order.Status.REFUNDED, Order.Status.CANCELLED], required=False
    )
    placed_at = AwareDateTimeField(required=False)

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError(
                {"non_field_errors": [_("Give a status or a corrected placed_at.")]}
            )
        return attrs


class InteractionOutputSerializer(serializers.ModelSerializer):
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Interaction
        fields = [
            "id",
            "customer",
            "kind",
            "direction",
            "subject",
            "body",
            "author",
            "occurred_at",
            "case",
            "created_at",
        ]


class InteractionInputSerializer(InputSerializer):
    customer = IdField(queryset=Customer.objects.all())
    kind = serializers.ChoiceField(choices=Interaction.Kind.choices, required=False)
    direction = serializers.ChoiceField(choices=Interaction.Direction.choices, required=False)
    subject = serializers.CharField(max_length=200, required=False, allow_blank=True)
    body = serializers.CharField(max_length=20000, required=False, allow_blank=True)
    occurred_at = AwareDateTimeField(required=False)


class CaseOutputSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)
    assignee = serializers.SlugRelatedField(slug_field="username", read_only=True)
    opened_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    is_overdue = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "id",
            "number",
            "reference",
            "customer",
            "subject",
            "description",
            "status",
            "priority",
            "source",
            "assignee",
            "team",
            "due_at",
            "is_overdue",
            "opened_at",
            "first_response_at",
            "resolved_at",
            "closed_at",
            "reopened_count",
            "opened_by",
            "updated_at",
        ]

    def get_is_overdue(self, case) -> bool:
        return bool(getattr(case, "is_overdue", False))


def _assignee_field(**kwargs):
    return serializers.SlugRelatedField(
        slug_field="username",
        queryset=get_user_model().objects.filter(is_active=True),
        allow_null=True,
        error_messages={
            "does_not_exist": _("No active staff member has this username."),
            "invalid": _("Give the assignee's username."),
        },
        **kwargs,
    )


class CaseInputSerializer(InputSerializer):
    customer = IdField(queryset=Customer.objects.all())
    subject = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=20000, required=False, allow_blank=True)
    priority = serializers.ChoiceField(choices=Case.Priority.choices, required=False)
    source = serializers.ChoiceField(choices=Case.Source.choices, required=False)
    team = IdField(queryset=Team.objects.all(), required=False, allow_null=True)
    assignee = _assignee_field(required=False)
    due_at = AwareDateTimeField(required=False, allow_null=True)
    opened_at = AwareDateTimeField(required=False)


class CaseUpdateInputSerializer(InputSerializer):
    """A case's fields and/or its status; every field is optional, at least one is given."""

    status = serializers.ChoiceField(choices=Case.Status.choices, required=False)
    subject = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(max_length=20000, required=False, allow_blank=True)
    priority = serializers.ChoiceField(choices=Case.Priority.choices, required=False)
    team = IdField(queryset=Team.objects.all(), required=False, allow_null=True)
    assignee = _assignee_field(required=False)
    due_at = AwareDateTimeField(required=False)

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError(
                {"non_field_errors": [_("Give at least one field to change.")]}
            )
        return attrs


def _comment_kind(comment: Interaction) -> str:
    return {"outbound": "reply", "inbound": "customer"}.get(comment.direction, "note")


class CaseCommentOutputSerializer(serializers.ModelSerializer):
    kind = serializers.SerializerMethodField()
    channel = serializers.CharField(source="kind", read_only=True)
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Interaction
        fields = ["id", "case", "kind", "channel", "body", "author", "occurred_at", "emailed_at"]

    def get_kind(self, comment) -> str:
        return _comment_kind(comment)


COMMENT_KINDS = [("reply", _("Reply")), ("note", _("Note")), ("customer", _("Customer's answer"))]
COMMENT_CHANNELS = [Interaction.Kind.EMAIL, Interaction.Kind.CALL, Interaction.Kind.CHAT]


class CaseCommentInputSerializer(InputSerializer):
    kind = serializers.ChoiceField(choices=COMMENT_KINDS)
    body = serializers.CharField(max_length=20000)
    channel = serializers.ChoiceField(choices=COMMENT_CHANNELS, required=False)
    status = serializers.ChoiceField(choices=Case.Status.choices, required=False)
    at = AwareDateTimeField(required=False)


class SegmentOutputSerializer(serializers.ModelSerializer):
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Segment
        fields = [
            "id",
            "name",
            "description",
            "rule",
            "tracked",
            "created_by",
            "created_at",
            "updated_at",
        ]


class SegmentDetailOutputSerializer(SegmentOutputSerializer):
    member_count = serializers.IntegerField(read_only=True)

    class Meta(SegmentOutputSerializer.Meta):
        fields = SegmentOutputSerializer.Meta.fields + ["member_count"]


class SegmentInputSerializer(InputSerializer):
    name = serializers.CharField(max_length=100)
    description = serializers.CharField(max_length=500, required=False, allow_blank=True)
    rule = serializers.JSONField(
        help_text=_('{"match": "all"|"any", "conditions": [{"type", "op", "value"}, ...]}')
    )
    tracked = serializers.BooleanField(required=False)
