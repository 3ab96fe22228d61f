"""Idempotency keys: a write replayed with the same key returns its first result.

The key's row is inserted first, in the write's own transaction: a concurrent request
with the same key waits on the unique index until the first commits (then it finds the
row and returns the first result) or rolls back (then it does the write itself). A
refused write leaves no key behind, so a replay is judged afresh.
"""

import hashlib
import json
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from config.exceptions import ApplicationError
from loyalty.models import IdempotencyKey

T = TypeVar("T")
MAX_KEY_LENGTH = 200


def _fingerprint(operation: str, params: dict[str, Any]) -> str:
    text = json.dumps([operation, params], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def idempotency_key_clean(key: Any) -> str | None:
    """The key as stored; None for no key; ValidationError for an unusable one."""
    if key is None or key == "":
        return None
    key = str(key).strip()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise ValidationError(
            {
                "idempotency_key": _("Use a key of 1 to %(n)s printable characters.")
                % {"n": MAX_KEY_LENGTH}
            }
        )
    return key


# Part of the caller's transaction (every caller is atomic): no savepoint of its own.
@transaction.atomic(savepoint=False)
def idempotent_run(
    *,
    key: str | None,
    operation: str,
    params: dict[str, Any],
    run: Callable[[], T],
    load: Callable[[int], T],
    author=None,
) -> tuple[T, bool]:
    """Run `run()` once per key of this author; returns (result, replayed).

    Keys belong to whoever sends them: another user's identical key is another key. The
    same key with another operation or other `params` is refused with
    `idempotency_conflict` (409): the client reused a key for a different request.
    """
    key = idempotency_key_clean(key)
    if key is None:
        return run(), False
    key = f"{getattr(author, 'pk', None) or 0}:{key}"
    fingerprint = _fingerprint(operation, params)
    try:
        with transaction.atomic():
            record = IdempotencyKey.objects.create(
                key=key, operation=operation, fingerprint=fingerprint
            )
    except IntegrityError:
        record = IdempotencyKey.objects.get(key=key)
        if record.operation != operation or record.fingerprint != fingerprint:
            raise ApplicationError(
                "idempotency_conflict",
                _(
                    "This Idempotency-Key was already used for a different request; "
                    "use a new key for a new request."
                ),
                status_code=409,
            ) from None
        return load(record.result_id), True
    result = run()
    record.result_id = getattr(result, "pk", None)
    record.save(update_fields=["result_id"])
    return result, False
