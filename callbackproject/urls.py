from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView
from drf_spectacular.utils import extend_schema, extend_schema_view
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken

from .api import errors
from .throttling import ScopedThrottle
from .views import health


@extend_schema_view(post=extend_schema(responses={200: AuthTokenSerializer, **errors(400, 429)}))
class TokenView(ObtainAuthToken):
    """POST username and password, get the token for ``Authorization: Token …``."""

    throttle_classes = [ScopedThrottle]
    throttle_scope = "auth"

    def get_serializer_context(self):
        # django-axes marks the request authenticate() is given as locked out, and its middleware reads
        # Django's request, not DRF's wrapper: hand it that one so a lockout answers 429.
        return {**super().get_serializer_context(), "request": self.request._request}


urlpatterns = [
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
    path("healthz", health, name="health"),
    path("admin/", admin.site.urls),
    path("agent/", include("callbacks.worklist_urls")),
    path("manage/rules/", include("rules.urls")),
    path("manage/", include("callbacks.manage_urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/v1/auth/token", TokenView.as_view(), name="api-token"),
    path("api/v1/public/", include("callbacks.urls")),
    path("api/v1/agent/", include("callbacks.agent_urls")),
    path("api/v1/", include("callbacks.staff_urls")),
    path("engagement/v3/", include("callbacks.compat.ges_urls")),
    path("captcha/", include("captcha.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]

handler404 = "callbackproject.views.not_found"
handler500 = "callbackproject.errors.server_error"
