from django.db import models


class ReportAccess(models.Model):
    """Holds the reporting permissions; reports are computed from callback events."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [("view_reports", "Can view real-time and historical reports")]
