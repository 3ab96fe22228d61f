"""Compile the translation catalogues (locale/*/LC_MESSAGES/*.po) into the .mo files
Django reads, with Babel (a dependency already): no GNU gettext needed to run Retain.

    .venv/bin/python scripts/compile_messages.py [--check]

`make run`, `make test` and the Docker image run it; the .mo files are not committed.
A catalogue with a fuzzy or untranslated entry still compiles (Django falls back to
English for it); `--check` lists them and exits 1 (tests/config/test_catalogues.py
holds the same line).
"""

import argparse
import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent


def catalogues() -> list[Path]:
    return sorted((ROOT / "locale").glob("*/LC_MESSAGES/*.po"))


def problems(po: Path) -> list[str]:
    """Entries of a catalogue that are untranslated or fuzzy."""
    with po.open("rb") as handle:
        catalog = read_po(handle)
    found = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            text = message.id[0] if isinstance(message.id, tuple) else message.id
            found.append(
                f"{po.relative_to(ROOT)}: {'fuzzy' if message.fuzzy else 'missing'}: {text!r}"
            )
    return found


def compile_all() -> int:
    count = 0
    for po in catalogues():
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as handle:
            catalog = read_po(handle)
        with mo.open("wb") as handle:
            write_mo(handle, catalog)
        count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="list untranslated entries")
    args = parser.parse_args()
    if args.check:
        found = [line for po in catalogues() for line in problems(po)]
        print("\n".join(found) or "every catalogue is complete")
        sys.exit(1 if found else 0)
    count = compile_all()
    print(f"compiled {count} catalogue(s)" if count else "catalogues up to date")


if __name__ == "__main__":
    main()
