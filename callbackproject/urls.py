from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView
from drf_spectacular.utils import extend_schema, extend_schema_view
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken

from callbacks.api.public import urls as public_api
from callbacks.api.staff import urls as staff_api
from callbacks.pages import manage_urls as callback_pages
from reporting.api import history_urls as history_api
from reporting.api import live_urls as live_api
from reporting.api import public_urls as reporting_public_api
from reporting.api import urls as reporting_api
from reporting.pages import history_urls as history_pages
from reporting.pages import live_urls as live_pages
from reporting.pages import urls as reporting_pages

from .base.api import errors
from .base.throttling import ScopedThrottle
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
    path("agent/", include("callbacks.pages.worklist_urls")),
    path("manage/rules/", include("rules.urls")),
    path("reports/", include((history_pages.urlpatterns + live_pages.urlpatterns, "reports"))),
    path("manage/", include((reporting_pages.urlpatterns + callback_pages.urlpatterns, "manage"))),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/v1/auth/token", TokenView.as_view(), name="api-token"),
    path("api/v1/public/", include((public_api.urlpatterns + reporting_public_api.urlpatterns, "public"))),
    path("api/v1/agent/", include("callbacks.api.agent.urls")),
    path("api/v1/reports/", include((history_api.urlpatterns + live_api.urlpatterns, "reports-api"))),
    path("api/v1/", include((reporting_api.urlpatterns + staff_api.urlpatterns, "staff-api"))),
    path("engagement/v3/", include("callbacks.compat.ges_urls")),
    path("captcha/", include("captcha.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]

handler404 = "callbackproject.views.not_found"
handler500 = "callbackproject.base.errors.server_error"
