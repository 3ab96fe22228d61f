from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LoyaltyConfig(AppConfig):
    name = "loyalty"
    verbose_name = _("Loyalty")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from crm import signals
        from crm.roles import role_grants_register
        from loyalty import history, profile, receivers, segments
        from loyalty.models import EarnRule, Programme, Tier
        from loyalty.roles import LOYALTY_GRANTS

        role_grants_register(app_label="loyalty", grants=LOYALTY_GRANTS)
        signals.order_completed.connect(receivers.on_order_completed, dispatch_uid="loyalty.earn")
        signals.order_refunded.connect(receivers.on_order_undone, dispatch_uid="loyalty.refunded")
        signals.order_cancelled.connect(receivers.on_order_undone, dispatch_uid="loyalty.cancelled")
        signals.demo_data_loaded.connect(receivers.on_demo_data_loaded, dispatch_uid="loyalty.demo")
        # Any save or delete of the settings, rules or tiers (services, admin, shell) drops
        # the cached copy every earn reads (loyalty.services.config).
        for model in (Programme, EarnRule, Tier):
            for name, signal in (("save", post_save), ("delete", post_delete)):
                signal.connect(
                    receivers.on_config_saved,
                    sender=model,
                    dispatch_uid=f"loyalty.config.{model.__name__}.{name}",
                )
        profile.register()
        segments.register()
        history.register()
