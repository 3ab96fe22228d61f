from django.urls import path
from rest_framework.routers import DefaultRouter

from surveys.api import views

router = DefaultRouter()
router.trailing_slash = "/?"
router.include_root_view = False
router.register("surveys", views.SurveyViewSet, basename="survey")
router.register("invitations", views.InvitationViewSet, basename="survey-invitation")
router.register("responses", views.ResponseViewSet, basename="survey-response")

urlpatterns = [
    path("public/responses/", views.PublicResponseView.as_view(), name="survey-public-response"),
    *router.urls,
]
