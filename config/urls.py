from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.urls import include, path, re_path
from django.views.decorators.http import require_safe
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerView

from config.accounts import LoginForm, PasswordChangeView, PasswordResetConfirmView
from config.api_auth import ObtainTokenView
from config.api_docs import SchemaView
from config.errors import api_not_found

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="crm:customer-list", permanent=False)),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            redirect_authenticated_user=True, authentication_form=LoginForm
        ),
        name="login",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("accounts/password_change/", PasswordChangeView.as_view(), name="password_change"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("crm.urls")),
    path("loyalty/", include("loyalty.urls")),
    path("analytics/", include("analytics.urls")),
    path("", include("surveys.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("crm.api.urls")),
    path("api/v1/loyalty/", include("loyalty.api.urls")),
    path("api/v1/", include("surveys.api.urls")),
    path("api/v1/analytics/", include("analytics.api.urls")),
    path("api/v1/auth/token/", ObtainTokenView.as_view(), name="api-token"),
    path("api/schema/", SchemaView.as_view(), name="api-schema"),
    # The documentation pages are for people: a logged-out visitor is sent to log in.
    path(
        "api/docs/",
        require_safe(login_required(SpectacularSwaggerView.as_view(url_name="api-schema"))),
        name="api-docs",
    ),
    path(
        "api/redoc/",
        require_safe(login_required(SpectacularRedocView.as_view(url_name="api-schema"))),
        name="api-redoc",
    ),
    # Last: any other /api/ address is a JSON 404, with DEBUG on as well as off.
    re_path(r"^api/", api_not_found),
]

# Under /api/ these answer JSON in the API's error shape; elsewhere a page.
handler400 = "config.errors.bad_request"
handler403 = "config.errors.permission_denied"
handler404 = "config.errors.page_not_found"
handler500 = "config.errors.server_error"
