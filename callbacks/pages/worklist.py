"""The agent's worklist page, /agent/: server-rendered, refreshed by htmx.

The page is one panel (status, the callback held, the queues, what is booked
next). Every action posts a small form and answers with the panel again, so the
page works the same with htmx (the panel is swapped in place) and without it
(a redirect back to the page). The panel polls itself except during a call,
when the agent may be typing notes.
"""

import math
from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from callbacks import claim, lifecycle, services
from callbacks.models import Callback, Outcome
from callbacks.selectors import agent_set_away_by_timeout, agent_worklist
from queues import calling, routing
from queues.models import Agent

# The outcomes as the agent sees them, most common first, each with what it does to the callback.
OUTCOME_BUTTONS = [
    (Outcome.CONNECTED, "primary", "Completes the callback."),
    (Outcome.NO_ANSWER, "secondary", "Tries again after the queue's retry delay."),
    (Outcome.BUSY, "secondary", "Tries again after the queue's retry delay."),
    (Outcome.VOICEMAIL, "secondary", "Tries again after the queue's retry delay."),
    (Outcome.WRONG_NUMBER, "danger", "Fails the callback."),
    (Outcome.CUSTOMER_DECLINED, "danger", "Cancels the callback."),
]
# The statuses an agent picks; busy is set by taking a callback.
CHOOSABLE = [Agent.Status.AVAILABLE, Agent.Status.AWAY, Agent.Status.OFFLINE]
CHOOSE_OUTCOME = "Choose how the call went."
CHOOSE_STATUS = "Choose available, away or offline."


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        choices=[(status.value, status.label) for status in CHOOSABLE],
        error_messages={"required": CHOOSE_STATUS, "invalid_choice": CHOOSE_STATUS},
    )


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        choices=Outcome.choices, error_messages={"required": CHOOSE_OUTCOME, "invalid_choice": CHOOSE_OUTCOME}
    )
    # A form field also refuses the NUL characters PostgreSQL cannot store.
    notes = forms.CharField(
        required=False,
        max_length=2000,
        error_messages={
            "max_length": "Notes can be at most 2,000 characters.",
            "null_characters_not_allowed": "Notes cannot contain null characters.",
        },
    )


def agent_page(view):
    """Logged in, in the Agent role, with an agent profile; the view gets the agent."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.has_perm("callbacks.work_callback"):
            raise PermissionDenied("The worklist is for agents.")
        agent = Agent.objects.select_related("user").filter(user=request.user).first()
        if agent is None:
            return render(request, "agent/no_profile.html", status=403)
        return view(request, agent, *args, **kwargs)

    return wrapper


def card(callback: Callback) -> dict:
    """What the callback's card shows beyond its fields, worked out once here rather than in the template."""
    now = timezone.now()
    zone = routing.dial_zone(callback)
    waited = max(0, int((now - callback.place_at).total_seconds()))
    left = None
    if callback.reservation_expires_at:
        # Rounded up, so the page never says the time is up before the server thinks so.
        left = max(0, math.ceil((callback.reservation_expires_at - now).total_seconds()))
    return {
        "name": f"{callback.first_name} {callback.last_name}".strip() or "Name not given",
        "customer_zone": zone,
        "now": now,
        "window": calling.explain(calling.reach_of(callback), now=now),
        "waited_seconds": waited,
        "seconds_left": left,
        "seconds_left_label": None if left is None else f"{left // 60}:{left % 60:02d}",
    }


def render_panel(request, agent: Agent, *, template: str = "agent/_panel.html"):
    worklist = agent_worklist(agent)
    return render(
        request,
        template,
        {
            "worklist": worklist,
            "agent": worklist.agent,
            "callback": worklist.current,
            "card": card(worklist.current) if worklist.current else None,
            "timed_out": agent_set_away_by_timeout(worklist.agent),
            "statuses": CHOOSABLE,
            "outcomes": [(Outcome(value), style, help) for value, style, help in OUTCOME_BUTTONS],
        },
    )


def refused(request, agent: Agent, form: forms.Form):
    """A form the page itself sends, sent wrong: say why on the panel."""
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)  # type: ignore[arg-type]  # ErrorList yields messages; the stubs, its items
    return answer(request, agent)


def answer(request, agent: Agent):
    """After an action: the fresh panel for htmx, else back to the page (post/redirect/get)."""
    if request.htmx:
        return render_panel(request, agent)
    return redirect("worklist")


def act(request, agent: Agent, move, success: str = ""):
    """Run ``move`` and tell the agent how it went; a refused move is a message, never an error page."""
    try:
        move()
    except services.NotYourCallback:
        messages.warning(request, "That callback is no longer yours: a supervisor took it back.")
    except lifecycle.IllegalTransition:
        messages.warning(request, "That callback has moved on meanwhile; here is where things stand now.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if success:
            messages.success(request, success)
    return answer(request, agent)


def own_callback(agent: Agent, callback_id) -> Callback:
    try:
        return get_object_or_404(Callback, public_id=callback_id, agent=agent)
    except Http404:
        raise Http404("This callback is not assigned to you.") from None


@require_GET
@agent_page
def worklist(request, agent: Agent):
    return render_panel(request, agent, template="agent/worklist.html")


@require_GET
@agent_page
def panel(request, agent: Agent):
    return render_panel(request, agent)


@require_POST
@agent_page
def set_status(request, agent: Agent):
    form = StatusForm(request.POST)
    if not form.is_valid():
        return refused(request, agent, form)
    return act(request, agent, lambda: services.agent_set_status(agent=agent, status=form.cleaned_data["status"]))


@require_POST
@agent_page
def next_callback(request, agent: Agent):
    try:
        claimed = claim.callback_claim_next(agent=agent)
    except services.AgentUnavailable as unavailable:
        messages.warning(request, str(unavailable))
        return answer(request, agent)
    if claimed is None and agent_worklist(agent).held:
        messages.info(
            request,
            "Nothing you may call right now: what waits is outside its customers' calling "
            "hours. This page keeps looking.",
        )
    elif claimed is None:
        messages.info(
            request,
            "Nothing is waiting for you right now. This page keeps looking and shows the queues as callbacks arrive.",
        )
    return answer(request, agent)


@require_POST
@agent_page
def start(request, agent: Agent, callback_id):
    callback = own_callback(agent, callback_id)
    return act(request, agent, lambda: services.callback_start(callback=callback, agent=agent))


@require_POST
@agent_page
def outcome(request, agent: Agent, callback_id):
    callback = own_callback(agent, callback_id)
    form = OutcomeForm(request.POST)
    if not form.is_valid():
        return refused(request, agent, form)
    chosen = form.cleaned_data["outcome"]
    return act(
        request,
        agent,
        lambda: services.callback_record_outcome(
            callback=callback, agent=agent, outcome=chosen, notes=form.cleaned_data["notes"]
        ),
        success=f"Recorded: {Outcome(chosen).label.lower()}.",
    )


@require_POST
@agent_page
def release(request, agent: Agent, callback_id):
    callback = own_callback(agent, callback_id)
    reject = request.POST.get("reject") == "1"
    return act(
        request,
        agent,
        lambda: services.callback_release(callback=callback, agent=agent, reject=reject),
        success="Passed to another agent." if reject else "Given back to the queue, in its place.",
    )
