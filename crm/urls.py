from django.urls import path

from crm import views

app_name = "crm"
urlpatterns = [
    path("", views.customer_list, name="customer-list"),
    path("<int:pk>/", views.customer_detail, name="customer-detail"),
    path("<int:pk>/interactions/", views.interaction_add, name="interaction-add"),
]
