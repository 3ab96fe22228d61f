"""loyalty's rows of the role matrix (README: Roles): Marketing runs the programme,
Support looks up members and redeems rewards on a customer's request; Admin holds all."""

from crm.roles import MARKETING, SUPPORT

LOYALTY_GRANTS: dict[str, list[str]] = {
    SUPPORT: [
        "loyalty.view_programme",
        "loyalty.view_account",
        "loyalty.add_account",
        "loyalty.view_ledgerentry",
        "loyalty.view_reward",
        "loyalty.view_redemption",
        "loyalty.add_redemption",
        "loyalty.change_redemption",
        "loyalty.view_tier",
    ],
    MARKETING: [
        "loyalty.view_programme",
        "loyalty.change_programme",
        "loyalty.add_programme",
        "loyalty.view_earnrule",
        "loyalty.add_earnrule",
        "loyalty.change_earnrule",
        "loyalty.view_tier",
        "loyalty.add_tier",
        "loyalty.change_tier",
        "loyalty.delete_tier",
        "loyalty.view_reward",
        "loyalty.add_reward",
        "loyalty.change_reward",
        "loyalty.view_account",
        "loyalty.add_account",
        "loyalty.view_ledgerentry",
        "loyalty.add_ledgerentry",
        "loyalty.view_redemption",
        "loyalty.add_redemption",
        "loyalty.change_redemption",
    ],
}
