from django.urls import path

from crm import views

app_name = "crm"
urlpatterns = [
    path("customers/", views.customer_list, name="customer-list"),
    path("customers/new/", views.customer_create, name="customer-create"),
    path("customers/export.csv", views.customer_export, name="customer-export"),
    path("customers/orders.csv", views.order_export, name="order-export"),
    path("customers/quick/", views.quick_search, name="quick-search"),
    path("customers/history/", views.history_list, name="history"),
    path("customers/<int:pk>/edit/", views.customer_edit, name="customer-edit"),
    path("customers/<int:pk>/delete/", views.customer_delete, name="customer-delete"),
    path("customers/<int:pk>/merge/", views.customer_merge, name="customer-merge"),
    path("customers/<int:pk>/", views.customer_detail, name="customer-detail"),
    path("customers/<int:pk>/interactions/", views.interaction_add, name="interaction-add"),
    path("imports/", views.import_list, name="import-list"),
    path("imports/<int:pk>/", views.import_detail, name="import-detail"),
    path("imports/<int:pk>/columns/", views.import_map, name="import-map"),
    path("imports/<int:pk>/start/", views.import_start, name="import-start"),
    path("imports/<int:pk>/errors.csv", views.import_errors, name="import-errors"),
    path("segments/", views.segment_list, name="segment-list"),
    path("segments/new/", views.segment_create, name="segment-create"),
    path("segments/<int:pk>/", views.segment_detail, name="segment-detail"),
    path("segments/<int:pk>/edit/", views.segment_edit, name="segment-edit"),
    path("segments/<int:pk>/delete/", views.segment_delete, name="segment-delete"),
    path("segments/<int:pk>/export.csv", views.segment_export, name="segment-export"),
    # Cases are addressed by their number, as people say them (C-1042 is /cases/1042/).
    path("cases/", views.case_list, name="case-list"),
    path("cases/mine/", views.case_list, {"mine": True}, name="case-mine"),
    path("cases/new/", views.case_create, name="case-create"),
    path("cases/<int:number>/", views.case_detail, name="case-detail"),
    path("cases/<int:number>/edit/", views.case_edit, name="case-edit"),
    path("cases/<int:number>/comments/", views.case_comment, name="case-comment"),
    path("cases/<int:number>/status/", views.case_status, name="case-status"),
]
