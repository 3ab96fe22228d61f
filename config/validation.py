"""Small validation helpers shared by services and the API."""

import unicodedata


def json_depth(value, limit: int) -> int:
    """The nesting depth of parsed JSON, counting no further than `limit + 1`
    (iterative, so a hostile document cannot exhaust the stack)."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if not isinstance(item, dict | list):
            continue
        deepest = max(deepest, depth)
        if deepest > limit:
            return deepest
        children = item.values() if isinstance(item, dict) else item
        stack.extend((child, depth + 1) for child in children)
    return deepest


def is_blank(text: str | None) -> bool:
    """True when a text has nothing a person can see: only spaces, zero-width or
    control characters (a name of U+200B is no name)."""
    return not any(unicodedata.category(char)[0] in "LNPS" for char in text or "")


def whole_number(text: str | None, *, max_digits: int = 18) -> int | None:
    """The whole number `text` spells in ASCII digits, or None. str.isdigit() is no
    guard: it accepts "²" and other digits that int() refuses."""
    text = (text or "").strip()
    if not text or len(text) > max_digits or not text.isascii() or not text.isdigit():
        return None
    return int(text)
