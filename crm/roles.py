"""Staff roles: Django groups with explicit permissions (README: role matrix).

The matrix is data, synced into the database after every migrate, so a fresh
install and a long-running one grant exactly the same rights. Later apps add
their permissions to the lists here when their models land.
"""

from django.contrib.auth.models import Group, Permission
from django.db import transaction

SUPPORT = "Support"
MARKETING = "Marketing"
ADMIN = "Admin"

ROLE_PERMISSIONS: dict[str, list[str]] = {
    SUPPORT: [
        "crm.view_customer",
        "crm.add_customer",
        "crm.change_customer",
        "crm.view_order",
        "crm.view_interaction",
        "crm.add_interaction",
        "crm.change_interaction",
        "crm.view_tag",
    ],
    MARKETING: [
        "crm.view_customer",
        "crm.view_order",
        "crm.view_interaction",
        "crm.view_tag",
        "crm.add_tag",
        "crm.change_tag",
        "crm.delete_tag",
    ],
    # Admin holds every permission that exists, staff management included.
    ADMIN: [],
}


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
    for role, codes in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        perms = list(Permission.objects.all()) if role == ADMIN else _permissions(codes)
        group.permissions.set(perms)
        counts[role] = len(perms)
    return counts
