"""The API token endpoint, with django-axes' lockout reported as such."""

from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from config.exceptions import ApplicationError


class ObtainTokenView(ObtainAuthToken):
    """POST username and password, get `{"token": "..."}` for `Authorization: Token ...`."""

    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        valid = serializer.is_valid()
        if getattr(request, "axes_locked_out", False):
            raise ApplicationError(
                "locked_out",
                _("Too many failed login attempts. Try again later, or reset your password."),
                status_code=429,
            )
        if not valid:
            raise ValidationError(serializer.errors)
        token, _created = Token.objects.get_or_create(user=serializer.validated_data["user"])
        return Response({"token": token.key})
