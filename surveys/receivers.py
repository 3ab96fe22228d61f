"""Tiny receivers of crm's events: a resolved case may send a CSAT survey."""

import logging

from surveys import services

logger = logging.getLogger(__name__)


def on_case_resolved(sender, *, case_id: int, customer_id: int, **kwargs) -> None:
    try:
        services.invitations_for_trigger(
            trigger="case_resolved", customer_id=customer_id, key=f"case:{case_id}"
        )
    except Exception:  # the case is resolved already; a survey must not fail it
        logger.exception("surveys: no invitation for resolved case %s", case_id)


def on_demo_data_loaded(sender, *, seed: int = 42, **kwargs) -> str:
    from surveys.demo import surveys_demo_create

    counts = surveys_demo_create(seed=seed)
    return f"Surveys: {counts['surveys']} surveys, {counts['responses']} responses."
