"""What the reason codes of callback events mean, in words a customer or a member of staff can read.

Every reason the service writes on a ``CallbackEvent`` is here; pages, the admin
and the APIs show ``reason_label(code)`` rather than the code.
"""

from .models import Outcome

REASONS: dict[str, str] = {
    # How a call went: the outcome buttons' own words.
    **{outcome.value: str(outcome.label) for outcome in Outcome},
    # The service, by itself.
    "due": "Its booked time came",
    "early": "Put in line early, so an agent calls around the booked time",
    "new_time": "Moved to a new time",
    "reservation_timeout": "The agent did not start the call in time",
    "max_wait_exceeded": "Waited longer than the queue allows",
    "office_hours_ended": "The queue's office hours ended",
    "attempts_exhausted": "No attempts left",
    "outside_calling_window": "Outside the customer's calling window",
    "calling_policy": "Outside the calling hours the law allows",
    "attempt_limit": "Daily attempt limit for this number reached",
    "scheduled_at_opening": "Booked for when the customer's calling window opens",
    # Agents.
    "claimed": "Taken by an agent",
    "dialing": "The agent started the call",
    "rejected": "Passed on by the agent, for another agent",
    "released_by_agent": "Given back to the queue by the agent",
    "agent_unavailable": "The agent went away or offline",
    # Supervisors and customers.
    "assigned_by_supervisor": "Assigned by a supervisor",
    "reassigned": "Taken back by a supervisor, for another agent",
    "requeued_by_supervisor": "Put back in line by a supervisor",
    "canceled_by_staff": "Canceled by staff",
    "customer": "Canceled by the customer",
}


def reason_label(code: str) -> str:
    """The words for a reason code; a code not listed (a staff API caller's own reason) reads as it was written."""
    if not code:
        return ""
    if code in REASONS:
        return REASONS[code]
    # "moved_abroad" reads "Moved abroad"; free text keeps its own case.
    text = code if any(c.isspace() for c in code) else code.replace("_", " ")
    return text[:1].upper() + text[1:]


# Why a callback ended, in the customer's own words (the public API's status_text); a reason not
# listed reads by the callback's state.
ENDED_WORDS = {
    "outside_calling_window": "Expired: we could not call you within your calling hours before the wait limit.",
    "attempt_limit": "Expired: we may not call your number again today, and the wait limit ran out.",
    "office_hours_ended": "Expired: our office closed before an agent was free to call you.",
    "max_wait_exceeded": "Expired: no agent was free to call you in time.",
    "attempts_exhausted": "We tried several times but could not reach you.",
    "wrong_number": "We could not call this number.",
    "customer": "Canceled by you.",
    "canceled_by_staff": "Canceled by our staff.",
    "customer_declined": "Canceled: you told our agent you no longer needed the call.",
}
