"""Tag writes; names are unique regardless of case."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from config.exceptions import ApplicationError
from config.validation import is_blank
from crm.models import Tag


def _check_tag_name_free(tag: Tag) -> None:
    if is_blank(tag.name):
        raise ValidationError({"name": _("Give the tag a name.")})
    if tag.name and Tag.objects.filter(name__iexact=tag.name).exclude(pk=tag.pk).exists():
        raise ValidationError({"name": _("A tag with this name already exists.")})


@transaction.atomic
def tag_create(*, name: str, color: str = "secondary") -> Tag:
    """Create a tag; names are unique regardless of case."""
    tag = Tag(name=(name or "").strip(), color=color or "secondary")
    _check_tag_name_free(tag)
    tag.full_clean()
    try:
        with transaction.atomic():
            tag.save()
    except IntegrityError as exc:
        raise ValidationError({"name": _("A tag with this name already exists.")}) from exc
    return tag


@transaction.atomic
def tag_update(*, tag: Tag, name: str | None = None, color: str | None = None) -> Tag:
    """Rename or recolour a tag."""
    try:
        tag = Tag.objects.select_for_update().get(pk=tag.pk)
    except Tag.DoesNotExist:
        raise ApplicationError(
            "not_found", _("This tag no longer exists."), status_code=404
        ) from None
    if name is not None:
        tag.name = name.strip()
    if color is not None:
        tag.color = color
    _check_tag_name_free(tag)
    tag.full_clean()
    try:
        with transaction.atomic():
            tag.save(update_fields=["name", "color"])
    except IntegrityError as exc:
        raise ValidationError({"name": _("A tag with this name already exists.")}) from exc
    return tag


@transaction.atomic
def tag_delete(*, tag: Tag) -> None:
    """Delete a tag; customers keep everything but the tag.

    The row is locked first, so a customer update adding this tag either finishes
    before (and its link is deleted too) or finds the tag gone.
    """
    locked = Tag.objects.select_for_update().filter(pk=tag.pk).first()
    if locked is not None:
        locked.delete()
