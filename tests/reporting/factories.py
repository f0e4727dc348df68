"""Report scenarios: callbacks booked, dialled, canceled and expired at named instants through the real services."""

import datetime as dt
import itertools

import time_machine

from callbacks import claim, services
from callbacks.models import Callback, CallbackEvent, Channel, Outcome
from queues.models import Agent, VirtualQueue
from reporting.services import widget_events_record
from rules.engine import Rejection
from tests.factories import NumberEntryFactory, QueueFactory, QueueRulesFactory, working_agent

Actor = CallbackEvent.Actor
# Irish numbers: no calling policy ships for Ireland and its numbers have no zone of their own, so any hour may
# dial them. Those starting +35319 are the blocked ones of a desk's rules.
NUMBERS = itertools.count(2000000)
BLOCKED = "+35319"


def report_queue(**fields) -> VirtualQueue:
    """A queue whose customers may be called at any hour, releasing scheduled callbacks exactly on time."""
    return QueueFactory(any_hour=True, early_release_cap_minutes=0, **fields)


class Desk:
    """One queue and its agents; each move at the instant it is given, the clock stopped there."""

    def __init__(self, queue: VirtualQueue, *agents: Agent):
        self.queue = queue
        self.agents = list(agents) or [working_agent(queue, username=f"agent-{queue.slug}", first_name="Ada")]
        QueueRulesFactory(queue=queue)
        NumberEntryFactory(rules=queue.rules, value=BLOCKED)

    @property
    def agent(self) -> Agent:
        return self.agents[0]

    def book(
        self, at: dt.datetime, *, desired: dt.datetime | None = None, channel=Channel.API, widget=None
    ) -> Callback:
        with time_machine.travel(at, tick=False):
            callback, _ = services.callback_create(
                queue=self.queue,
                phone_number=f"+3531{next(NUMBERS):07d}",
                desired_time=desired,
                channel=channel,
                widget=widget,
                now=at,
            )
        return callback

    def refused(self, at: dt.datetime) -> None:
        """A booking the rules refuse (a blocked number)."""
        with time_machine.travel(at, tick=False):
            try:
                services.callback_create(queue=self.queue, phone_number=f"{BLOCKED}{next(NUMBERS):06d}", now=at)
            except Rejection:
                return
        raise AssertionError("the booking was not refused")

    def reschedule(self, callback: Callback, at: dt.datetime, to: dt.datetime, *, actor=Actor.CUSTOMER) -> Callback:
        with time_machine.travel(at, tick=False):
            return services.callback_reschedule(callback=callback, desired_time=to, actor=actor, now=at)

    def release_due(self, at: dt.datetime) -> None:
        with time_machine.travel(at, tick=False):
            services.callbacks_release_due(now=at)

    def dial(self, callback: Callback, at: dt.datetime, *, agent: Agent | None = None) -> Callback:
        """The agent claims the callback (the only one waiting) and starts dialling it at ``at``."""
        agent = agent or self.agent
        with time_machine.travel(at, tick=False):
            claimed = claim.callback_claim_next(agent=agent, now=at)
            assert claimed == callback, "the callback was not the one waiting"
            return services.callback_start(callback=claimed, agent=agent, now=at)

    def end_dial(self, callback: Callback, at: dt.datetime, outcome=Outcome.CONNECTED, *, agent=None) -> Callback:
        agent = agent or self.agent
        with time_machine.travel(at, tick=False):
            return services.callback_record_outcome(callback=callback, agent=agent, outcome=outcome, now=at)

    def call(self, callback, dialled, ended, outcome=Outcome.CONNECTED, *, agent=None) -> Callback:
        self.dial(callback, dialled, agent=agent)
        return self.end_dial(callback, ended, outcome, agent=agent)

    def cancel(self, callback: Callback, at: dt.datetime, *, by_staff: bool = False) -> Callback:
        actor, reason = (Actor.STAFF, "canceled_by_staff") if by_staff else (Actor.CUSTOMER, "customer")
        with time_machine.travel(at, tick=False):
            return services.callback_cancel(callback=callback, actor=actor, reason=reason)

    def expire_overdue(self, at: dt.datetime) -> None:
        with time_machine.travel(at, tick=False):
            services.callbacks_expire_overdue(now=at)

    def widget_view(self, widget, session: str, at: dt.datetime, *steps: str) -> None:
        """One page view of the widget reaching ``steps`` (its lifecycle names), a second apart from ``at``."""
        events = [
            {"name": step, "occurred_at": at + dt.timedelta(seconds=n), "metadata": {}} for n, step in enumerate(steps)
        ]
        with time_machine.travel(at, tick=False):
            widget_events_record(widget=widget, session=session, events=events)
