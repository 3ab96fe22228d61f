"""Reads of segments: the list, a segment's members and its rule in words."""

from django.db.models import QuerySet

from crm.models import Customer, Segment
from crm.segments import rule_q
from crm.selectors.customers import customer_list, customer_visible


def segment_visible(*, user) -> QuerySet[Segment]:
    """Segments the user may see: all of them with crm.view_segment, none otherwise."""
    if user is None or not user.is_authenticated or not user.has_perm("crm.view_segment"):
        return Segment.objects.none()
    return Segment.objects.select_related("created_by")


def segment_members(*, segment: Segment, user) -> QuerySet[Customer]:
    """The segment's members today, as one query (with the customer list's figures when
    listed through customer_list)."""
    return customer_visible(user=user).filter(rule_q(segment.rule))


def segment_member_list(*, segment: Segment, user) -> QuerySet[Customer]:
    """The members with the customer list's columns (orders, revenue, last order)."""
    return customer_list(user=user).filter(rule_q(segment.rule))
