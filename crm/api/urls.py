from rest_framework.routers import DefaultRouter

from crm.api import views

# "/?": a client that leaves out the trailing slash reaches the same endpoint
# (Django would otherwise answer a POST without it with a redirect it cannot follow).
router = DefaultRouter()
router.trailing_slash = "/?"
router.register("customers", views.CustomerViewSet, basename="customer")
router.register("orders", views.OrderViewSet, basename="order")
router.register("interactions", views.InteractionViewSet, basename="interaction")
router.register("tags", views.TagViewSet, basename="tag")
router.register("cases", views.CaseViewSet, basename="case")
router.register("segments", views.SegmentViewSet, basename="segment")

urlpatterns = router.urls
