from rest_framework.routers import DefaultRouter

from analytics.api import views

router = DefaultRouter()
router.trailing_slash = "/?"
router.include_root_view = False
router.register("snapshots", views.SnapshotViewSet, basename="analytics-snapshot")
router.register("cohorts", views.CohortViewSet, basename="analytics-cohort")
router.register("recompute", views.RecomputeViewSet, basename="analytics-recompute")
router.register("scores", views.ScoreViewSet, basename="analytics-score")
router.register("fits", views.FitViewSet, basename="analytics-fit")

urlpatterns = router.urls
