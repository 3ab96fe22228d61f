from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_roles(sender, **kwargs):
    from crm.roles import roles_sync

    roles_sync()


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from crm import history, profile, segments
        from crm.roles import CRM_GRANTS, role_grants_register

        role_grants_register(app_label="crm", grants=CRM_GRANTS)
        profile.register()
        history.register()
        segments.register()
        # After every app's migrate, so Admin also gets permissions created later.
        post_migrate.connect(_sync_roles, dispatch_uid="crm.roles_sync")
