"""docs/metrics.md rendered for the definitions page."""

import functools
import html as html_lib
from dataclasses import dataclass
from pathlib import Path

import markdown
from django.conf import settings
from django.utils.safestring import mark_safe


@dataclass(frozen=True)
class Definitions:
    html: str
    sections: list[tuple[str, str]]  # (anchor, heading) of the second-level headings
    anchors: frozenset[str]


def definitions() -> Definitions:
    """docs/metrics.md as HTML (Python-Markdown with "toc", which gives every heading the
    id that Metric.definition_url links to, and "tables")."""
    path = Path(settings.BASE_DIR) / "docs" / "metrics.md"
    return _render(str(path), path.stat().st_mtime_ns)


@functools.lru_cache(maxsize=4)
def _render(path: str, _mtime: int) -> Definitions:
    converter = markdown.Markdown(extensions=["toc", "tables"], output_format="html")
    html = converter.convert(Path(path).read_text(encoding="utf-8"))
    anchors, sections = set(), []

    def walk(tokens, depth=0):
        for token in tokens:
            anchors.add(token["id"])
            if token["level"] == 2:
                sections.append((token["id"], html_lib.unescape(token["name"])))
            walk(token["children"], depth + 1)

    walk(converter.toc_tokens)
    # Our own file, so its markup is trusted; nothing from users is in it.
    return Definitions(mark_safe(html), sections, frozenset(anchors))  # noqa: S308
