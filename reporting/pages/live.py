"""The live dashboard under /reports/live/: queues and agents now, refreshed in place every few seconds (htmx).

For ``reporting.view_reports`` (supervisors, managers, administrators) within their lines of business; setting
an agent away or offline is for those the service allows (``callbacks.manage_callback``).
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from callbackproject.base.errors import ServiceError
from callbacks import services as callback_services
from queues.models import Agent
from reporting import live
from reporting.access import PERMISSION, report_queues
from reporting.services import dashboard_update


def report_viewer(view):
    return login_required(permission_required(PERMISSION, raise_exception=True)(view))


def _context(request) -> dict:
    return {
        "live": live.live_figures(request.user),
        "can_set_status": request.user.has_perm("callbacks.manage_callback"),
    }


@require_GET
@report_viewer
def live_page(request):
    return render(request, "reports/live.html", _context(request))


@require_GET
@report_viewer
def live_panel(request):
    """The part of the page that changes: polled by htmx and swapped in place."""
    return render(request, "reports/_live_panel.html", _context(request))


class DashboardForm(forms.Form):
    """Which panels (the total, each queue) and which figures; the same figures on each panel chosen."""

    TOTAL = "__total__"
    queues = forms.MultipleChoiceField(widget=forms.CheckboxSelectMultiple, label="Panels")
    figures = forms.MultipleChoiceField(
        widget=forms.CheckboxSelectMultiple,
        choices=[(figure.key, figure.label) for figure in live.FIGURES.values()]
        + [(live.ACTIVITY, "Callback activity")],
    )

    def __init__(self, *args, queues, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["queues"].choices = [(self.TOTAL, "Total of my queues")] + [(q.slug, q.name) for q in queues]

    def panels(self) -> list[dict]:
        return [
            {"queue": None if slug == self.TOTAL else slug, "figures": self.cleaned_data["figures"]}
            for slug in self.cleaned_data["queues"]
        ]


@require_http_methods(["GET", "POST"])
@report_viewer
def dashboard_edit(request):
    queues = list(report_queues(request.user))
    if request.method == "POST" and "reset" in request.POST:
        dashboard_update(user=request.user, panels=None)
        messages.success(request, "Unpinned: the dashboard shows every queue with every figure.")
        return redirect("reports:live")
    if request.method == "POST":
        form = DashboardForm(request.POST, queues=queues)
        if form.is_valid():
            try:
                dashboard_update(user=request.user, panels=form.panels())
            except ValidationError as error:
                form.add_error(None, error.messages)
            else:
                messages.success(request, "Your dashboard is saved.")
                return redirect("reports:live")
    else:
        chosen, _ = live.pinned_panels(request.user, queues)
        form = DashboardForm(
            queues=queues,
            initial={
                "queues": [pin["queue"] or DashboardForm.TOTAL for pin in chosen],
                "figures": [name for name in live.PANEL_ITEMS if any(name in pin["figures"] for pin in chosen)],
            },
        )
    return render(request, "reports/live_dashboard_edit.html", {"form": form})


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=[(status.value, status.label) for status in callback_services.STAFF_STATUSES])


@require_POST
@report_viewer
def agent_status(request, agent_id):
    agent = get_object_or_404(Agent.objects.select_related("user"), pk=agent_id)
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose away or offline.")
        return redirect("reports:live")
    try:
        agent = callback_services.agent_set_status_by_staff(
            agent=agent, status=form.cleaned_data["status"], by=request.user
        )
    except ServiceError as refusal:
        if refusal.status == 404:
            raise Http404(refusal.message) from None
        raise PermissionDenied(refusal.message) from None
    messages.success(request, f"{agent} is now {agent.get_status_display().lower()}.")
    return redirect("reports:live")
