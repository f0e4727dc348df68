"""The report pages under /manage/: the queues' figures now and the troubleshooting page."""

from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from reporting import troubleshooting
from reporting.selectors import queues_overview


@require_GET
@login_required
@permission_required("callbacks.view_callback", raise_exception=True)
def overview(request):
    template = "manage/_overview_table.html" if request.htmx else "manage/overview.html"
    return render(request, template, {"queues": queues_overview(request.user), "now": timezone.now()})


@require_GET
@login_required
@permission_required("callbacks.view_troubleshooting", raise_exception=True)
def troubleshooting_page(request):
    widgets = [
        (widget, troubleshooting.widget_warnings(widget)) for widget in troubleshooting.widgets_visible_to(request.user)
    ]
    return render(
        request,
        "manage/troubleshooting.html",
        {
            "problems": troubleshooting.recent_problems(request.user),
            "widgets": widgets,
            "queues": troubleshooting.queue_setups(request.user),
        },
    )
