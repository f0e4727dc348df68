"""Who may read reports, and of which queues: ``reporting.view_reports``, within the user's lines of business.

Every report page and endpoint asks here, so a page and the API cannot differ.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from queues.models import VirtualQueue
from queues.selectors import queues_visible_to

PERMISSION = "reporting.view_reports"


def may_view_reports(user) -> bool:
    return user.is_authenticated and user.has_perm(PERMISSION)


def report_queues(user) -> QuerySet[VirtualQueue]:
    """The queues the user may see reports of; PermissionDenied without ``view_reports``."""
    if not may_view_reports(user):
        raise PermissionDenied("Your role may not view reports.")
    return queues_visible_to(user)
