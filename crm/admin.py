"""The administration shows crm's data read-only.

Customers, orders, interactions and tags are written only through crm.services (by
the pages, the API and imports), which keep every rule: date ranges, a customer's
name-email-or-company, phone normalisation, attribute limits, customer_since against
the first order, and the events higher apps listen to. A ModelAdmin form would save
around them. The administration is for staff, roles, the case teams and reading.
"""

from django.contrib import admin

from crm.models import Case, Customer, Interaction, Order, Tag, Team


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Tag)
class TagAdmin(ReadOnlyAdmin):
    list_display = ["name", "color"]
    search_fields = ["name"]


@admin.register(Customer)
class CustomerAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "email", "phone", "country", "customer_since", "closed_on"]
    list_filter = ["language", "country", "tags"]
    search_fields = ["first_name", "last_name", "email", "external_id", "company"]
    list_select_related = ["owner"]


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = ["external_id", "customer", "placed_at", "total", "status", "channel"]
    list_filter = ["status", "channel"]
    search_fields = ["external_id"]
    raw_id_fields = ["customer"]
    list_select_related = ["customer"]


@admin.register(Interaction)
class InteractionAdmin(ReadOnlyAdmin):
    list_display = ["customer", "kind", "subject", "author", "occurred_at"]
    list_filter = ["kind", "direction"]
    raw_id_fields = ["customer"]
    list_select_related = ["customer", "author"]


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = ["reference", "subject", "customer", "status", "priority", "assignee", "due_at"]
    list_filter = ["status", "priority", "team"]
    search_fields = ["subject"]
    raw_id_fields = ["customer"]
    list_select_related = ["customer", "assignee"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    """Teams are settings, not customer data: Admins name them and choose their members
    here (the names are unique regardless of case, which the form checks)."""

    list_display = ["name", "created_at"]
    search_fields = ["name"]
    filter_horizontal = ["members"]
