from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = _("Surveys")

    def ready(self) -> None:
        from crm import signals
        from crm.roles import role_grants_register
        from surveys import profile, receivers, segments
        from surveys.roles import SURVEYS_GRANTS

        role_grants_register(app_label="surveys", grants=SURVEYS_GRANTS)
        signals.case_resolved.connect(receivers.on_case_resolved, dispatch_uid="surveys.csat")
        signals.demo_data_loaded.connect(receivers.on_demo_data_loaded, dispatch_uid="surveys.demo")
        profile.register()
        segments.register()
