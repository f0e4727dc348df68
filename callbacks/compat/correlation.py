"""The GES correlation id (``corrId``) of the request being served, for every log line written meanwhile.

Kept free of models: the logging configuration imports it before the apps load.
"""

import logging
import re
import uuid
from contextvars import ContextVar

HEADER = "X-Correlation-ID"
# What a client may choose: enough for its own ids, nothing that could forge a log line.
ACCEPTED = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")

corr_id: ContextVar[str] = ContextVar("ges_corr_id", default="")


def corr_id_for(request) -> str:
    """The client's correlation id when it sent a sane one, else a new one."""
    sent = request.headers.get(HEADER, "")
    return sent if ACCEPTED.match(sent) else uuid.uuid4().hex


class CorrIdFilter(logging.Filter):
    """Adds ``corr``: " corrId=…" while a GES request is served, else nothing (the log format ends with it)."""

    def filter(self, record):
        value = corr_id.get()
        record.corr = f" corrId={value}" if value else ""
        return True
