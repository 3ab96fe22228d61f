"""The API token endpoint, with django-axes' lockout reported as such."""

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle

from config.accounts import PASSWORD_MAX_LENGTH
from config.api import InputSerializer, SafeJSONParser
from config.exceptions import ApplicationError


class TokenInputSerializer(InputSerializer, AuthTokenSerializer):
    """Username and password, of the lengths a real account can have (django-axes
    stores at most 255 characters of a username; nobody types a 4 KB password);
    anything else is refused by name."""

    username = serializers.CharField(
        label=gettext_lazy("Username"), max_length=150, write_only=True
    )
    password = serializers.CharField(
        label=gettext_lazy("Password"),
        max_length=PASSWORD_MAX_LENGTH,
        style={"input_type": "password"},
        trim_whitespace=False,
        write_only=True,
    )


def lockout_message() -> str:
    return _(
        "Too many failed login attempts. Try again in %(minutes)s minutes, or choose a new "
        "password with “Forgot your password?”: that unlocks the account at once."
    ) % {"minutes": round(settings.AXES_COOLOFF_TIME * 60)}


class ObtainTokenView(ObtainAuthToken):
    """POST username and password, get `{"token": "..."}` for `Authorization: Token ...`."""

    # JSON or a form (curl -d, curl -F); bodies stay under REQUEST_BODY_MAX_BYTES.
    parser_classes = (SafeJSONParser, FormParser, MultiPartParser)
    serializer_class = TokenInputSerializer
    # Per client address: every attempt costs a password hash, whatever the username.
    throttle_classes = (ScopedRateThrottle,)
    throttle_scope = "auth"

    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        valid = serializer.is_valid()
        if getattr(request, "axes_locked_out", False):
            raise ApplicationError("locked_out", lockout_message(), status_code=429)
        if not valid:
            raise ValidationError(serializer.errors)
        token, _created = Token.objects.get_or_create(user=serializer.validated_data["user"])
        return Response({"token": token.key})
