"""The crm REST API: thin views that validate input, call one service or selector, present."""

import datetime

import django_filters
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_filters.fields import IsoDateTimeField
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from config.api import KnownQueryParamsMixin
from config.api import StrictOrderingFilter as OrderingFilter
from config.permissions import RolePermissions
from crm import selectors, services
from crm.api import serializers as s
from crm.filters import CaseFilter, CustomerFilter
from crm.models import Case, Customer, Interaction, Order, Segment, Tag


def _check_customer_visible(user, customer) -> None:
    """A customer named in a request body must be one the user may see (else 400)."""
    if not selectors.customer_visible(user=user).filter(pk=customer.pk).exists():
        raise ValidationError({"customer": _("Unknown customer.")})


class CustomerViewSet(
    KnownQueryParamsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Customers with search (`q`), filters and ordering; create, update, delete by role."""

    filter_backends = [DjangoFilterBackend]
    filterset_class = CustomerFilter
    queryset = Customer.objects.none()  # for the schema; get_queryset decides

    def get_queryset(self):
        if self.action == "list":
            return selectors.customer_list(user=self.request.user)
        return (
            selectors.customer_visible(user=self.request.user)
            .select_related("owner")
            .prefetch_related("tags")
        )

    def get_serializer_class(self):
        if self.action == "list":
            return s.CustomerListOutputSerializer
        if self.action in ("create", "partial_update"):
            return s.CustomerInputSerializer
        return s.CustomerOutputSerializer

    def create(self, request):
        serializer = s.CustomerInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        tags = data.pop("tags", ())
        customer = services.customer_create(data=data, tags=tags)
        return Response(s.CustomerOutputSerializer(customer).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        customer = self.get_object()
        serializer = s.CustomerInputSerializer(customer, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        tags = data.pop("tags", None)
        customer = services.customer_update(customer=customer, data=data, tags=tags)
        customer = self.get_queryset().get(pk=customer.pk)
        return Response(s.CustomerOutputSerializer(customer).data)

    def destroy(self, request, pk=None):
        customer = self.get_object()
        services.customer_delete(customer=customer)
        return Response(status=status.HTTP_204_NO_CONTENT)


class _StorableIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 time that the database can store (years 1 and 9999 overflow in UTC)."""

    def to_python(self, value):
        try:
            moment = super().to_python(value)
            if moment is not None:
                moment.astimezone(datetime.UTC)
        except OverflowError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        return moment


class StorableIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = _StorableIsoDateTimeField


class OrderFilter(django_filters.FilterSet):
    placed_from = StorableIsoDateTimeFilter(field_name="placed_at", lookup_expr="gte")
    placed_to = StorableIsoDateTimeFilter(field_name="placed_at", lookup_expr="lt")

    class Meta:
        model = Order
        fields = ["customer", "status", "channel", "external_id"]


class OrderViewSet(
    KnownQueryParamsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Orders of visible customers. Recording needs crm.add_order; refunds crm.change_order."""

    filter_backends = [DjangoFilterBackend, OrderingFilter]
    filterset_class = OrderFilter
    ordering_fields = ["placed_at", "total"]
    queryset = Order.objects.none()

    def get_queryset(self):
        visible = selectors.customer_visible(user=self.request.user)
        return Order.objects.filter(customer__in=visible).order_by("-placed_at", "-id")

    def get_serializer_class(self):
        if self.action == "create":
            return s.OrderInputSerializer
        if self.action == "partial_update":
            return s.OrderUpdateInputSerializer
        return s.OrderOutputSerializer

    def create(self, request):
        serializer = s.OrderInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        order = services.order_record(**serializer.validated_data)
        return Response(s.OrderOutputSerializer(order).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        """Refund or cancel a completed order (`{"status": "refunded"}`), or correct its
        `placed_at`; nothing else of an order changes after it is recorded."""
        order = self.get_object()
        serializer = s.OrderUpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        order = services.order_update(order=order, **serializer.validated_data)
        return Response(s.OrderOutputSerializer(order).data)


class InteractionViewSet(
    KnownQueryParamsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Timeline entries (notes, calls, emails, chats, meetings) of visible customers."""

    filter_backends = [DjangoFilterBackend, OrderingFilter]
    filterset_fields = ["customer", "kind", "direction"]
    ordering_fields = ["occurred_at"]
    queryset = Interaction.objects.none()

    def get_queryset(self):
        visible = selectors.customer_visible(user=self.request.user)
        return Interaction.objects.filter(customer__in=visible).select_related("author")

    def get_serializer_class(self):
        if self.action == "create":
            return s.InteractionInputSerializer
        return s.InteractionOutputSerializer

    def create(self, request):
        serializer = s.InteractionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        _check_customer_visible(request.user, data["customer"])
        interaction = services.interaction_create(author=request.user, **data)
        return Response(
            s.InteractionOutputSerializer(interaction).data, status=status.HTTP_201_CREATED
        )


class TagViewSet(KnownQueryParamsMixin, viewsets.ModelViewSet):
    """Tags to label customers; names are unique regardless of case."""

    filter_backends = [OrderingFilter]
    ordering_fields = ["name"]
    queryset = Tag.objects.order_by("name")
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_serializer_class(self):
        if self.action in ("create", "partial_update"):
            return s.TagInputSerializer
        return s.TagSerializer

    def create(self, request):
        serializer = s.TagInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        tag = services.tag_create(**serializer.validated_data)
        return Response(s.TagSerializer(tag).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        tag = self.get_object()
        serializer = s.TagInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        tag = services.tag_update(tag=tag, **serializer.validated_data)
        return Response(s.TagSerializer(tag).data)

    def perform_destroy(self, instance):
        services.tag_delete(tag=instance)


class _CasePermissions(RolePermissions):
    """Commenting changes a case: POST to comments needs crm.change_case."""

    def has_permission(self, request, view):
        if getattr(view, "action", None) == "comments" and request.method == "POST":
            return request.user.is_authenticated and request.user.has_perm("crm.change_case")
        return super().has_permission(request, view)


class CaseViewSet(
    KnownQueryParamsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Support cases. Without `status` the list shows active cases (new, open, pending);
    `status=all` shows every case. `assignee` is a username, `me` or `none`."""

    filter_backends = [DjangoFilterBackend]
    filterset_class = CaseFilter
    permission_classes = [_CasePermissions]
    queryset = Case.objects.none()

    def get_queryset(self):
        return selectors.case_list(user=self.request.user)

    def filter_queryset(self, queryset):
        # The queue's filters (active cases by default) are for the list; one case is
        # found by its id whatever its status.
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    def get_serializer_class(self):
        if self.action == "create":
            return s.CaseInputSerializer
        if self.action == "partial_update":
            return s.CaseUpdateInputSerializer
        if self.action == "comments":
            return (
                s.CaseCommentInputSerializer
                if self.request.method == "POST"
                else s.CaseCommentOutputSerializer
            )
        return s.CaseOutputSerializer

    def _present(self, case, **kwargs):
        case = self.get_queryset().get(pk=case.pk)
        return Response(s.CaseOutputSerializer(case).data, **kwargs)

    def create(self, request):
        serializer = s.CaseInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        _check_customer_visible(request.user, data["customer"])
        case = services.case_open(opened_by=request.user, **data)
        return self._present(case, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        """Change the status (`{"status": "resolved"}`) and/or the subject, description,
        priority, team, assignee or due time, all or nothing."""
        case = self.get_object()
        serializer = s.CaseUpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        new_status = data.pop("status", None)
        with transaction.atomic():
            if data:
                case = services.case_update(case=case, data=data)
            if new_status:
                case = services.case_status_set(case=case, status=new_status)
        return self._present(case)

    @extend_schema(responses=s.CaseCommentOutputSerializer(many=True))
    @action(detail=True, methods=["get", "post"], url_path="comments")
    def comments(self, request, pk=None):
        """A case's comments, oldest first; POST adds a reply, note or customer answer
        (and may move the case on with `status`). A customer's answer to a case that
        ended too long ago opens a new case: the answer's `case` says which."""
        case = self.get_object()
        if request.method == "POST":
            serializer = s.CaseCommentInputSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            comment = services.case_comment_add(
                case=case, author=request.user, **serializer.validated_data
            )
            return Response(
                s.CaseCommentOutputSerializer(comment).data, status=status.HTTP_201_CREATED
            )
        unknown = sorted(set(request.query_params) - {"page", "page_size", "format"})
        if unknown:
            raise ValidationError(
                {name[:100]: [_("Unknown query parameter.")] for name in unknown[:20]}
            )
        rows = Interaction.objects.filter(case=case).select_related("author")
        page = self.paginate_queryset(rows.order_by("occurred_at", "id"))
        return self.get_paginated_response(s.CaseCommentOutputSerializer(page, many=True).data)


class SegmentViewSet(KnownQueryParamsMixin, viewsets.ModelViewSet):
    """Saved customer rules. The rule is JSON (see crm/segments.py); an invalid one is a
    400 naming each wrong condition. `members` lists the customers it selects today."""

    filter_backends = [OrderingFilter]
    ordering_fields = ["name", "updated_at"]
    queryset = Segment.objects.none()
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return selectors.segment_visible(user=self.request.user).order_by("name", "id")

    def get_serializer_class(self):
        if self.action in ("create", "partial_update"):
            return s.SegmentInputSerializer
        if self.action == "retrieve":
            return s.SegmentDetailOutputSerializer
        if self.action == "members":
            return s.CustomerListOutputSerializer
        return s.SegmentOutputSerializer

    def retrieve(self, request, pk=None):
        segment = self.get_object()
        segment.member_count = selectors.segment_members(segment=segment, user=request.user).count()
        return Response(s.SegmentDetailOutputSerializer(segment).data)

    def create(self, request):
        serializer = s.SegmentInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        segment = services.segment_create(author=request.user, **serializer.validated_data)
        return Response(s.SegmentOutputSerializer(segment).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        segment = self.get_object()
        serializer = s.SegmentInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        segment = services.segment_update(segment=segment, data=dict(serializer.validated_data))
        return Response(s.SegmentOutputSerializer(segment).data)

    def perform_destroy(self, instance):
        services.segment_delete(segment=instance)

    @extend_schema(responses=s.CustomerListOutputSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="members")
    def members(self, request, pk=None):
        """The customers the segment selects today, by name, in pages."""
        segment = self.get_object()
        rows = selectors.segment_member_list(segment=segment, user=request.user)
        page = self.paginate_queryset(rows.order_by("last_name", "first_name", "id"))
        return self.get_paginated_response(s.CustomerListOutputSerializer(page, many=True).data)
