from django.urls import path

from analytics import views

app_name = "analytics"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("retention/", views.retention, name="retention"),
    path("voice/", views.voice, name="voice"),
    path("loyalty/", views.loyalty, name="loyalty"),
    path("support/", views.support, name="support"),
    path("predictive/", views.predictive, name="predictive"),
    path("predictive/at-risk.csv", views.predictive_export, name="predictive-export"),
    path("definitions/", views.definitions, name="definitions"),
    path("export.csv", views.export, name="export"),
    path("recompute/", views.recompute, name="recompute"),
    path("runs/latest/", views.run_latest, name="run-latest"),
]
