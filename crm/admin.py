from django.contrib import admin

from crm.models import Customer, Interaction, Order, Tag


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "color"]
    search_fields = ["name"]


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["__str__", "email", "phone", "country", "customer_since", "closed_on"]
    list_filter = ["language", "country", "tags"]
    search_fields = ["first_name", "last_name", "email", "external_id", "company"]
    autocomplete_fields = ["owner"]
    list_select_related = ["owner"]


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["external_id", "customer", "placed_at", "total", "status", "channel"]
    list_filter = ["status", "channel"]
    search_fields = ["external_id"]
    raw_id_fields = ["customer"]
    list_select_related = ["customer"]

    # Orders are recorded, refunded and cancelled only through crm.services, which keep
    # customer_since true and send the order events loyalty and analytics rely on.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Interaction)
class InteractionAdmin(admin.ModelAdmin):
    list_display = ["customer", "kind", "subject", "author", "occurred_at"]
    list_filter = ["kind", "direction"]
    raw_id_fields = ["customer"]
    list_select_related = ["customer", "author"]
