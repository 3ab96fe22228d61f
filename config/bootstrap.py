"""How django-bootstrap5 draws form fields in Retain."""

from django_bootstrap5.renderers import FieldRenderer as BaseFieldRenderer


class FieldRenderer(BaseFieldRenderer):
    """Marks only the fields that have an error. Bootstrap's default paints every other
    field of a submitted form green, which reads as "these were saved" when nothing was."""

    def get_server_side_validation_classes(self):
        return "is-invalid" if self.field_errors else ""
