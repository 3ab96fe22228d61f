from django.urls import path

from surveys.api import views

urlpatterns = [
    path("public/responses/", views.PublicResponseView.as_view(), name="survey-public-response"),
]
