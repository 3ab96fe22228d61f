from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "analytics"
    verbose_name = _("Analytics")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from analytics import dimensions, metrics, profile, receivers, segments
        from analytics.roles import ANALYTICS_GRANTS
        from crm import signals
        from crm.roles import role_grants_register

        role_grants_register(app_label="analytics", grants=ANALYTICS_GRANTS)
        dimensions.register()
        metrics.register()
        profile.register()
        segments.register()
        signals.demo_data_loaded.connect(
            receivers.on_demo_data_loaded, dispatch_uid="analytics.demo"
        )
        post_migrate.connect(
            receivers.on_post_migrate, sender=self, dispatch_uid="analytics.order_triggers"
        )
