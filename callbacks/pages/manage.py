"""The callback management pages under /manage/, for supervisors, managers, developers and administrators.

Everyone with ``callbacks.view_callback`` sees them; only ``callbacks.manage_callback``
(supervisors, administrators) acts. Lines of business limit both to the user's queues:
a callback outside them is not found.
"""

import datetime as dt
import secrets
import zoneinfo
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from rest_framework.exceptions import NotFound
from rest_framework.request import Request

from callbacks import lifecycle, services
from callbacks.filters import CallbackCursorPagination, CallbackSearch
from callbacks.models import Callback, CallbackEvent, Consent
from callbacks.phone import mask_phone
from callbacks.selectors import callback_for_staff, callbacks_visible_to
from queues import calling, routing
from queues.selectors import agent_by_username, agents_able_to_serve
from rules.engine import Rejection

BULK_LIMIT = 200
Actor = CallbackEvent.Actor


def viewer(view):
    return login_required(permission_required("callbacks.view_callback", raise_exception=True)(view))


def manager_of_callbacks(view):
    return require_POST(login_required(permission_required("callbacks.manage_callback", raise_exception=True)(view)))


SEARCHES = "callback_searches"  # session key: opaque search id -> the number searched
KEPT_SEARCHES = 20


@require_GET
@viewer
def callback_list(request):
    data = request.GET.copy()
    data.pop("phone", None)  # numbers are searched by POST only (callback_search)
    if search := request.GET.get("search"):
        number = request.session.get(SEARCHES, {}).get(search)
        if number is None:
            messages.warning(request, "That search by number has ended; please search again.")
        else:
            data["phone"] = number
    filters = CallbackSearch(data, queryset=callbacks_visible_to(request.user), request=request)
    query = request.GET.copy()
    for key in ("cursor", "phone"):
        query.pop(key, None)
    # The staff API's pages, one implementation: a cursor, never a count of the table.
    pages = CallbackCursorPagination()
    try:
        callbacks = pages.paginate_queryset(
            filters.qs if filters.is_valid() else filters.queryset.none(), Request(request)
        )
    except NotFound:
        messages.warning(request, "That page of the list could not be found; here are the newest callbacks.")
        return redirect(reverse("manage:callbacks") + (f"?{query.urlencode()}" if query else ""))
    # Links keep the filters but leave out a number typed into the address.
    pages.base_url = f"{reverse('manage:callbacks')}?{query.urlencode()}"
    return render(
        request,
        "manage/callback_list.html",
        {
            "filters": filters,
            "callbacks": callbacks,
            "pages": pages,
            "query": query.urlencode(),
            "search": search if "phone" in data else "",
            "can_manage": request.user.has_perm("callbacks.manage_callback"),
        },
    )


@require_POST
@viewer
def callback_search(request):
    """Search by number: kept in the session under an opaque id, so the number is in no URL, log or referrer."""
    number = request.POST.get("phone", "").strip()[:32]
    query = QueryDict(request.POST.get("query", ""), mutable=True)
    for key in ("cursor", "phone", "search"):
        query.pop(key, None)
    if number:
        searches = request.session.get(SEARCHES, {})
        search = secrets.token_urlsafe(9)
        # The newest few only: the session is not a store of every number looked up.
        request.session[SEARCHES] = dict([*searches.items()][-(KEPT_SEARCHES - 1) :] + [(search, number)])
        query["search"] = search
    return redirect(reverse("manage:callbacks") + (f"?{query.urlencode()}" if query else ""))


def staff_callback(request, callback_id):
    callback = callback_for_staff(request.user, callback_id)
    if callback is None:
        raise Http404("No such callback in your queues.")
    return callback


@dataclass(frozen=True)
class Entry:
    """One event of a callback's timeline, with the times it moved the callback to."""

    event: CallbackEvent
    moved_from: dt.datetime | None = None  # a reschedule: the time it had (None: as soon as possible)
    moved_to: dt.datetime | None = None  # and the time it was given
    until: dt.datetime | None = None  # a hold or a retry: until when


def _instant(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def timeline(callback: Callback) -> list[Entry]:
    """The callback's events in order, each reschedule saying from when to when (both kept in its metadata)."""
    entries = []
    for event in callback.events.all():
        if event.type == lifecycle.TRANSITIONS["reschedule"].event:
            entries.append(
                Entry(
                    event,
                    moved_from=_instant(event.metadata.get("previous_desired_time")),
                    moved_to=_instant(event.metadata.get("desired_time")),
                )
            )
        else:
            entries.append(
                Entry(event, until=_instant(event.metadata.get("hold_until") or event.metadata.get("due_at")))
            )
    return entries


@require_GET
@viewer
def callback_detail(request, callback_id):
    callback = staff_callback(request, callback_id)
    zone = callback.queue.time_zone
    sees_consent = request.user.has_perm("callbacks.view_consent")
    consent = (
        Consent.objects.select_related("widget", "api_key").filter(callback=callback).first() if sees_consent else None
    )
    return render(
        request,
        "manage/callback_detail.html",
        {
            "callback": callback,
            "timeline": timeline(callback),
            "now": timezone.now(),
            "customer_zone": routing.dial_zone(callback),
            "window": calling.explain(calling.reach_of(callback), now=timezone.now()),
            "attempts": callback.dial_attempts.all(),
            "sees_consent": sees_consent,
            "consent": consent,
            "consent_number": mask_phone(consent.phone_number) if consent else "",
            "can_manage": request.user.has_perm("callbacks.manage_callback"),
            # Only the actions the callback's state allows are offered.
            "can": services.callback_staff_actions(callback),
            "agents": agents_able_to_serve(callback.queue).select_related("user").order_by("user__username"),
            "zone": zone,
            "desired_local": callback.desired_time.astimezone(zone).strftime("%Y-%m-%dT%H:%M")
            if callback.desired_time
            else "",
        },
    )


def act(request, callback_id, move, success: str):
    """Run a staff action on one callback; a refusal is a message on the callback's page, never an error page."""
    callback = staff_callback(request, callback_id)
    try:
        move(callback)
    except lifecycle.IllegalTransition:
        messages.error(request, f"A {callback.get_state_display().lower()} callback cannot be changed that way.")
    except Rejection as rejection:
        messages.error(request, f"{rejection.message} ({rejection.code})")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, success)
    return redirect("manage:callback", callback_id=callback.public_id)


@manager_of_callbacks
def cancel(request, callback_id):
    return act(
        request,
        callback_id,
        lambda callback: services.callback_cancel(
            callback=callback, actor=Actor.STAFF, user=request.user, reason="canceled_by_staff"
        ),
        "Callback canceled.",
    )


def local_datetime(value: str, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    """A ``datetime-local`` value read as a wall-clock time in ``zone``; refuses one a DST change skips."""
    try:
        naive = dt.datetime.fromisoformat(value)
    except ValueError:
        raise ValidationError("Enter a date and time.") from None
    if naive.tzinfo is not None:
        raise ValidationError("Enter a local date and time, without a time zone.")
    aware = naive.replace(tzinfo=zone)
    if aware.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None) != naive:
        raise ValidationError(f"{naive:%H:%M} does not exist on {naive:%-d %B} in {zone}: the clocks go forward.")
    return aware


@manager_of_callbacks
def reschedule(request, callback_id):
    def move(callback):
        desired = local_datetime(request.POST.get("desired_time", ""), callback.queue.time_zone)
        services.callback_reschedule(callback=callback, desired_time=desired, actor=Actor.STAFF, user=request.user)

    return act(request, callback_id, move, "Callback rescheduled.")


CHOOSE_AGENT = "Choose an agent."


class AssignForm(forms.Form):
    # A form field refuses the NUL characters PostgreSQL cannot even look up.
    agent = forms.CharField(max_length=150)


@manager_of_callbacks
def assign(request, callback_id):
    def move(callback):
        form = AssignForm(request.POST)
        agent = agent_by_username(form.cleaned_data["agent"]) if form.is_valid() else None
        if agent is None:
            raise ValidationError(CHOOSE_AGENT)
        services.callback_assign_to(callback=callback, agent=agent, user=request.user)

    return act(request, callback_id, move, "Callback assigned.")


@manager_of_callbacks
def requeue(request, callback_id):
    return act(
        request,
        callback_id,
        lambda callback: services.callback_requeue(callback=callback, user=request.user),
        "Callback put back in line.",
    )


@manager_of_callbacks
def bulk_cancel(request):
    ids = request.POST.getlist("ids")[:BULK_LIMIT]
    back = reverse("manage:callbacks") + (f"?{request.POST['query']}" if request.POST.get("query") else "")
    if not ids:
        messages.warning(request, "Select the callbacks to cancel first.")
        return redirect(back)
    try:
        chosen = callbacks_visible_to(request.user).filter(public_id__in=ids)
        canceled, skipped = services.callbacks_bulk_cancel(callbacks=chosen, user=request.user)
    except ValidationError:  # a malformed id
        messages.error(request, "That selection could not be read; please try again.")
        return redirect(back)
    messages.success(request, f"Canceled {canceled} callback{'s' if canceled != 1 else ''}.")
    if skipped:
        messages.warning(request, f"{skipped} could not be canceled: they had already finished.")
    return redirect(back)
