"""Staff roles: Django groups with explicit permissions (README: role matrix).

The matrix is data, synced into the database after every migrate, so a fresh
install and a long-running one grant exactly the same rights. Each app declares
the grants for its own models with `role_grants_register()` from its
`AppConfig.ready()` (crm's are CRM_GRANTS below); `roles_sync()` collects them all.
crm never lists another app's permissions.
"""

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

SUPPORT = "Support"
MARKETING = "Marketing"
ADMIN = "Admin"

ROLES = (SUPPORT, MARKETING, ADMIN)

CRM_GRANTS: dict[str, list[str]] = {
    SUPPORT: [
        "crm.view_customer",
        "crm.add_customer",
        "crm.change_customer",
        "crm.view_order",
        "crm.view_interaction",
        "crm.add_interaction",
        "crm.change_interaction",
        "crm.view_tag",
        "crm.view_case",
        "crm.add_case",
        "crm.change_case",
        "crm.view_team",
        "crm.view_segment",
        "crm.add_segment",
        "crm.change_segment",
    ],
    MARKETING: [
        "crm.view_customer",
        "crm.view_order",
        "crm.view_interaction",
        "crm.view_tag",
        "crm.add_tag",
        "crm.change_tag",
        "crm.delete_tag",
        "crm.view_case",
        "crm.view_team",
        "crm.view_segment",
        "crm.add_segment",
        "crm.change_segment",
        "crm.delete_segment",
    ],
}

_grants: dict[str, dict[str, list[str]]] = {}


def role_grants_register(*, app_label: str, grants: dict[str, list[str]]) -> None:
    """Declare which role gets which permissions of `app_label`'s models.

    An app grants only its own permissions ("loyalty.view_account" from loyalty).
    Admin needs no grants: it holds every permission that exists.
    """
    for role, codes in grants.items():
        if role not in ROLES:
            raise ImproperlyConfigured(f"{app_label}: unknown role {role!r}.")
        foreign = [code for code in codes if not code.startswith(f"{app_label}.")]
        if foreign:
            raise ImproperlyConfigured(f"{app_label} may grant only its own permissions: {foreign}")
    _grants[app_label] = {role: list(codes) for role, codes in grants.items()}


def role_permissions() -> dict[str, list[str]]:
    """Every app's grants, collected per role (Admin: every permission, see roles_sync)."""
    collected: dict[str, list[str]] = {role: [] for role in ROLES}
    for grants in _grants.values():
        for role, codes in grants.items():
            collected[role] += codes
    return collected


def _permissions(codes: list[str]) -> list[Permission]:
    wanted = {tuple(code.split(".", 1)) for code in codes}
    found = list(
        Permission.objects.select_related("content_type").filter(
            content_type__app_label__in={app for app, _ in wanted},
            codename__in={codename for _, codename in wanted},
        )
    )
    return [p for p in found if (p.content_type.app_label, p.codename) in wanted]


@transaction.atomic
def roles_sync() -> dict[str, int]:
    """Create the role groups and set their permissions to the matrix; idempotent.

    Returns the number of permissions each role holds. Permissions of apps not
    migrated yet are simply absent and are added by the next sync.
    """
    counts = {}
    for role, codes in role_permissions().items():
        group, _ = Group.objects.get_or_create(name=role)
        perms = list(Permission.objects.all()) if role == ADMIN else _permissions(codes)
        group.permissions.set(perms)
        counts[role] = len(perms)
    return counts
