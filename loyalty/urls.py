from django.urls import path

from loyalty import views

app_name = "loyalty"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("settings/", views.programme_edit, name="programme"),
    path("rules/", views.rule_list, name="rule-list"),
    path("rules/new/", views.rule_create, name="rule-create"),
    path("rules/<int:pk>/", views.rule_edit, name="rule-edit"),
    path("tiers/", views.tier_list, name="tier-list"),
    path("tiers/new/", views.tier_create, name="tier-create"),
    path("tiers/<int:pk>/", views.tier_edit, name="tier-edit"),
    path("tiers/<int:pk>/delete/", views.tier_delete, name="tier-delete"),
    path("rewards/", views.reward_list, name="reward-list"),
    path("rewards/new/", views.reward_create, name="reward-create"),
    path("rewards/<int:pk>/", views.reward_edit, name="reward-edit"),
    path("members/", views.member_list, name="member-list"),
    path("members/<int:customer_pk>/", views.member_detail, name="member-detail"),
    path("members/<int:customer_pk>/adjust/", views.adjust, name="adjust"),
    path("customers/<int:customer_pk>/redeem/", views.redeem, name="redeem"),
    path("customers/<int:customer_pk>/enrol/", views.enrol, name="enrol"),
    path("redemptions/<int:pk>/cancel/", views.redemption_cancel, name="redemption-cancel"),
]
