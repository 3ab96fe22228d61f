"""The API token endpoint, with django-axes' lockout reported as such."""

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from config.api import InputSerializer, SafeJSONParser
from config.exceptions import ApplicationError


class TokenInputSerializer(InputSerializer, AuthTokenSerializer):
    """Username and password; anything else is refused by name."""


def lockout_message() -> str:
    return _(
        "Too many failed login attempts. Try again in %(minutes)s minutes, or choose a new "
        "password with “Forgot your password?”: that unlocks the account at once."
    ) % {"minutes": round(settings.AXES_COOLOFF_TIME * 60)}


class ObtainTokenView(ObtainAuthToken):
    """POST username and password, get `{"token": "..."}` for `Authorization: Token ...`."""

    parser_classes = (SafeJSONParser, FormParser, MultiPartParser)
    serializer_class = TokenInputSerializer

    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        valid = serializer.is_valid()
        if getattr(request, "axes_locked_out", False):
            raise ApplicationError("locked_out", lockout_message(), status_code=429)
        if not valid:
            raise ValidationError(serializer.errors)
        token, _created = Token.objects.get_or_create(user=serializer.validated_data["user"])
        return Response({"token": token.key})
