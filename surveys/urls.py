from django.urls import path

from surveys import views

app_name = "surveys"

urlpatterns = [
    path("s/<str:token>/", views.survey_page, name="public"),
    path("surveys/", views.survey_list, name="survey-list"),
    path("surveys/new/", views.survey_create, name="survey-create"),
    path("surveys/<int:pk>/", views.survey_detail, name="survey-detail"),
    path("surveys/<int:pk>/edit/", views.survey_edit, name="survey-edit"),
    path("surveys/<int:pk>/questions/new/", views.question_create, name="question-create"),
    path("surveys/<int:pk>/questions/<int:qid>/", views.question_edit, name="question-edit"),
    path(
        "surveys/<int:pk>/questions/<int:qid>/delete/",
        views.question_delete,
        name="question-delete",
    ),
    path("surveys/<int:pk>/status/", views.survey_status, name="survey-status"),
    path("surveys/<int:pk>/invite/", views.survey_invite, name="survey-invite"),
    path("surveys/<int:pk>/responses.csv", views.response_export, name="response-export"),
]
