"""Survey texts in the reader's language (authors give each text per language)."""

from django import template

register = template.Library()


@register.filter
def in_language(texts, language: str) -> str:
    """`texts` ({"en": ..., "lv": ...}) in `language`, else English, else any."""
    if not isinstance(texts, dict) or not texts:
        return ""
    return texts.get(language) or texts.get("en") or next(iter(texts.values()), "")


@register.filter
def field_errors(errors: dict, question) -> list:
    return errors.get(f"q{question.pk}", []) if errors else []


@register.filter
def scale(question) -> range:
    low, high = question.SCALES[question.kind]
    return range(low, high + 1)


@register.filter
def chosen(values: dict, question) -> list[str]:
    value = values.get(f"q{question.pk}") if values else None
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]
