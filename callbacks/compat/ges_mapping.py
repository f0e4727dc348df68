"""The one table from our callback states to the GES v3 ``callbackState`` and ``callbackReason``.

GES has four open states and one final state, COMPLETED, whose reason says
how it ended. Ours has more open states and four final ones:

=========== ================= ====================== =============================================
our state   callbackState     callbackReason         why
=========== ================= ====================== =============================================
scheduled   SCHEDULED         –                      waiting for its desired time
retry_wait  SCHEDULED         –                      waiting for the time of its next attempt
queued      QUEUED            –                      in line for an agent
assigned    ROUTING           –                      reserved for an agent, about to be dialled
in_progress PROCESSING        –                      an agent is dialling or talking
completed   COMPLETED         AGENT_CONNECTED        the agent reached the customer
canceled    COMPLETED         CANCELLED              by the customer, staff, or declined on the call
expired     COMPLETED         FAIL_TIMEOUT_TTL       not handled in time (maximum wait, closing, quiet hours)
failed      COMPLETED         FAIL_CALL_TO_CUSTOMER  attempts exhausted, or a wrong number
=========== ================= ====================== =============================================

The last outcome does not change the reason: a failed callback could not
reach the customer whether its last dial was busy, unanswered, a voicemail
or a wrong number, and GES tells these apart no further.
"""

from callbacks.models import State

# our state: (callbackState, callbackReason or None while open)
GES_STATES: dict[str, tuple[str, str | None]] = {
    State.SCHEDULED: ("SCHEDULED", None),
    State.RETRY_WAIT: ("SCHEDULED", None),
    State.QUEUED: ("QUEUED", None),
    State.ASSIGNED: ("ROUTING", None),
    State.IN_PROGRESS: ("PROCESSING", None),
    State.COMPLETED: ("COMPLETED", "AGENT_CONNECTED"),
    State.CANCELED: ("COMPLETED", "CANCELLED"),
    State.EXPIRED: ("COMPLETED", "FAIL_TIMEOUT_TTL"),
    State.FAILED: ("COMPLETED", "FAIL_CALL_TO_CUSTOMER"),
}


def ges_state(state: str) -> tuple[str, str | None]:
    return GES_STATES[state]
