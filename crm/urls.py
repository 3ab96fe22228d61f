from django.urls import path

from crm import views

app_name = "crm"
urlpatterns = [
    path("", views.customer_list, name="customer-list"),
    path("new/", views.customer_create, name="customer-create"),
    path("quick/", views.quick_search, name="quick-search"),
    path("history/", views.history_list, name="history"),
    path("<int:pk>/edit/", views.customer_edit, name="customer-edit"),
    path("<int:pk>/delete/", views.customer_delete, name="customer-delete"),
    path("<int:pk>/merge/", views.customer_merge, name="customer-merge"),
    path("<int:pk>/", views.customer_detail, name="customer-detail"),
    path("<int:pk>/interactions/", views.interaction_add, name="interaction-add"),
]
