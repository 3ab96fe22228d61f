"""Typed readers for environment variables.

Every setting Retain takes from the environment goes through one of these
helpers, so a bad value stops start-up with a message that names the variable
instead of surfacing later as an obscure error.
"""

import os
import zoneinfo
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _raw(name: str) -> str | None:
    value = os.environ.get(name)
    if value is None:
        return None
    value = value.strip()
    return value or None


def env_str(name: str, default: str | None = None, *, required: bool = False) -> str | None:
    value = _raw(name)
    if value is None:
        if required:
            raise ImproperlyConfigured(f"Set the environment variable {name}.")
        return default
    return value


def env_bool(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None:
        return default
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean: use true or false.")


def env_int(
    name: str, default: int | None, *, minimum: int = 0, allow_none: bool = False
) -> int | None:
    """An integer >= minimum; with allow_none, the words none/off/null give None."""
    value = _raw(name)
    if value is None:
        return default
    if allow_none and value.lower() in {"none", "off", "null"}:
        return None
    try:
        number = int(value)
    except ValueError:
        hint = " or none" if allow_none else ""
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number{hint}.") from None
    if number < minimum:
        raise ImproperlyConfigured(f"{name}={value!r} must be at least {minimum}.")
    return number


def env_decimal(name: str, default: Decimal, *, minimum: Decimal = Decimal(0)) -> Decimal:
    value = _raw(name)
    if value is None:
        return default
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise ImproperlyConfigured(f"{name}={value!r} is not a number.") from None
    if not number.is_finite() or number < minimum:
        raise ImproperlyConfigured(f"{name}={value!r} must be a number >= {minimum}.")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = _raw(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_time_zone(name: str, default: str) -> str:
    value = _raw(name) or default
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ImproperlyConfigured(
            f"{name}={value!r} is not a known time zone (for example Europe/Riga)."
        ) from None
    return value


def env_currency(name: str, default: str) -> str:
    value = (_raw(name) or default).upper()
    if len(value) != 3 or not value.isalpha() or not value.isascii():
        raise ImproperlyConfigured(f"{name}={value!r} is not a three-letter ISO 4217 code.")
    return value


def env_choice(name: str, default: str, choices: list[str]) -> str:
    value = _raw(name) or default
    if value not in choices:
        raise ImproperlyConfigured(f"{name}={value!r} must be one of: {', '.join(choices)}.")
    return value
