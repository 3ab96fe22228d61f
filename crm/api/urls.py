from rest_framework.routers import DefaultRouter

from crm.api import views

router = DefaultRouter()
router.register("customers", views.CustomerViewSet, basename="customer")
router.register("orders", views.OrderViewSet, basename="order")
router.register("interactions", views.InteractionViewSet, basename="interaction")
router.register("tags", views.TagViewSet, basename="tag")

urlpatterns = router.urls
