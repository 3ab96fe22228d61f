from rest_framework.routers import DefaultRouter

from loyalty.api import views

router = DefaultRouter()
router.trailing_slash = "/?"
router.include_root_view = False
router.register("accounts", views.AccountViewSet, basename="loyalty-account")
router.register("ledger", views.LedgerViewSet, basename="loyalty-ledger")
router.register("adjustments", views.AdjustmentViewSet, basename="loyalty-adjustment")
router.register("referrals", views.ReferralViewSet, basename="loyalty-referral")
router.register("rewards", views.RewardViewSet, basename="loyalty-reward")
router.register("redemptions", views.RedemptionViewSet, basename="loyalty-redemption")

urlpatterns = router.urls
