from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.views import APIView

from reporting.access import may_view_reports


class ViewsReports(BasePermission):
    message = "Your role may not view reports: that needs reporting.view_reports."

    def has_permission(self, request, view):
        return may_view_reports(request.user)


class ReportView(APIView):
    """The base of every report endpoint: 401 without credentials, 403 without ``view_reports``."""

    # Token first, so a request without credentials gets 401 and a challenge, not 403.
    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated, ViewsReports]
