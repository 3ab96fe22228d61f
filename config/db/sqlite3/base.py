"""Django's SQLite backend with case rules that work beyond ASCII.

SQLite's own lower(), upper() and LIKE fold only A-Z: "BĒRZIŅŠ" would not find
"Bērziņš", and the tags "ĀBOLS" and "ābols" would both pass the case-insensitive
unique index. PostgreSQL gets this right; for the embedded SQLite setup (`make run`)
each new connection replaces those three functions with Python's Unicode-aware ones.
They are deterministic, as functions in an index expression must be. Speed is fine
for the embedded setup's sizes; production runs on PostgreSQL.
"""

import functools
import re

from django.db.backends.sqlite3 import base


def _lower(value):
    return value.lower() if isinstance(value, str) else value


def _upper(value):
    return value.upper() if isinstance(value, str) else value


@functools.lru_cache(maxsize=512)
def _like_pattern(pattern: str, escape: str | None) -> re.Pattern:
    """A LIKE pattern as a case-insensitive regular expression (% any run, _ one char)."""
    parts, i = [], 0
    while i < len(pattern):
        char = pattern[i]
        if escape and char == escape and i + 1 < len(pattern):
            parts.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        parts.append(".*" if char == "%" else "." if char == "_" else re.escape(char))
        i += 1
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


def _like(pattern, value, escape=None):
    # SQLite calls like(Y, X[, Z]) for "X LIKE Y [ESCAPE Z]": the pattern comes first.
    if pattern is None or value is None:
        return None
    return _like_pattern(str(pattern), escape).fullmatch(str(value)) is not None


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        connection.create_function("lower", 1, _lower, deterministic=True)
        connection.create_function("upper", 1, _upper, deterministic=True)
        connection.create_function("like", 2, _like, deterministic=True)
        connection.create_function("like", 3, _like, deterministic=True)
        return connection
