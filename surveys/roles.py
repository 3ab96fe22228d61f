"""surveys' rows of the role matrix: Marketing manages surveys and invitations, Support
reads the answers (and works the follow-up cases in crm); Admin holds all."""

from crm.roles import MARKETING, SUPPORT

SURVEYS_GRANTS: dict[str, list[str]] = {
    SUPPORT: ["surveys.view_survey", "surveys.view_response", "surveys.view_invitation"],
    MARKETING: [
        "surveys.view_survey",
        "surveys.add_survey",
        "surveys.change_survey",
        "surveys.view_question",
        "surveys.add_question",
        "surveys.change_question",
        "surveys.delete_question",
        "surveys.view_invitation",
        "surveys.add_invitation",
        "surveys.view_response",
    ],
}
