"""The public submit endpoint, for apps that embed a survey: no login, the link's token
is the credential. Answers as on the page: {"q<question id>": value}."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import InputSerializer
from surveys import services
from surveys.views.public import _limited


class PublicResponseInputSerializer(InputSerializer):
    token = serializers.CharField(max_length=64)
    answers = serializers.DictField(child=serializers.JSONField(), allow_empty=False)
    language = serializers.CharField(max_length=8, required=False)


class PublicResponseOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    survey = serializers.IntegerField(source="survey_id")
    submitted_at = serializers.DateTimeField()
    bonus_points = serializers.IntegerField()


class PublicResponseView(APIView):
    """Submit a customer's answers once. 400 with one error per question; 404 for an
    unknown token, 410 expired or closed, 409 `already_answered`, 429 too many."""

    permission_classes = [AllowAny]
    authentication_classes = []  # the token is the credential; no session, no CSRF
    throttle_classes = []  # limited per address and per link, as the page is

    @extend_schema(
        request=PublicResponseInputSerializer,
        responses={
            201: PublicResponseOutputSerializer,
            400: OpenApiResponse(description="field errors"),
            404: OpenApiResponse(description="unknown_link"),
            409: OpenApiResponse(description="already_answered"),
            410: OpenApiResponse(description="link_expired or survey_closed"),
        },
    )
    def post(self, request):
        serializer = PublicResponseInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if _limited(request, data["token"]):
            return Response(
                {
                    "code": "throttled",
                    "message": _("Too many requests; please try again in a minute."),
                    "fields": {},
                },
                status=status.HTTP_429_TOO_MANY_REQUESTS,
            )
        response = services.response_submit(
            token=data["token"], answers=data["answers"], language=data.get("language")
        )
        return Response(
            PublicResponseOutputSerializer(response).data, status=status.HTTP_201_CREATED
        )
