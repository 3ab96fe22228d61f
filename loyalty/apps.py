from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LoyaltyConfig(AppConfig):
    name = "loyalty"
    verbose_name = _("Loyalty")

    def ready(self) -> None:
        from crm import signals
        from crm.roles import role_grants_register
        from loyalty import history, profile, receivers, segments
        from loyalty.roles import LOYALTY_GRANTS

        role_grants_register(app_label="loyalty", grants=LOYALTY_GRANTS)
        signals.order_completed.connect(receivers.on_order_completed, dispatch_uid="loyalty.earn")
        signals.order_refunded.connect(receivers.on_order_undone, dispatch_uid="loyalty.refunded")
        signals.order_cancelled.connect(receivers.on_order_undone, dispatch_uid="loyalty.cancelled")
        signals.demo_data_loaded.connect(receivers.on_demo_data_loaded, dispatch_uid="loyalty.demo")
        profile.register()
        segments.register()
        history.register()
