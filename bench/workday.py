"""One tick of a simulated working day through the real services, shared by bench/spread.py and the
early-release test (tests/queues/test_early_release.py). Import it after Django is set up."""

import datetime as dt
from collections.abc import Callable

from callbacks import claim, services
from callbacks.models import Callback, Outcome


def work_tick(*, agents: list, talking: dict, now: dt.datetime, talk_for: Callable[[], dt.timedelta]) -> list[Callback]:
    """Calls that are over end connected, the release beat runs, and each free agent claims and dials.

    ``talking`` (agent -> (callback, when the call ends)) is updated in place;
    ``talk_for()`` gives a new call's length. Returns the callbacks claimed in this tick.
    """
    for agent, (callback, ends) in list(talking.items()):
        if ends <= now:
            services.callback_record_outcome(callback=callback, agent=agent, outcome=Outcome.CONNECTED, now=ends)
            del talking[agent]
    services.callbacks_release_due(now=now)
    claimed = []
    for agent in agents:
        if agent not in talking and (callback := claim.callback_claim_next(agent=agent, now=now)):
            services.callback_start(callback=callback, agent=agent, now=now)
            talking[agent] = (callback, now + talk_for())
            claimed.append(callback)
    return claimed
