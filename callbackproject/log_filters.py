"""Logging filters that keep routine events to one line, or to none, so the log shows what matters."""

import logging

# callbacks.tasks holds the beat ticks only: each runs every few seconds, all day.
TICKS = "callbacks.tasks."


class RoutineClientError(logging.Filter):
    """A 4xx answer (a refused page, a missing one) is one line: the client's mistake needs no traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", 500) < 500:
            record.exc_info = record.exc_text = None
        return True


def _task_name(record: logging.LogRecord) -> str:
    # Celery logs a task's receipt and success with a mapping of fields, beat its sending as (entry, task).
    args = record.args
    if isinstance(args, dict):
        return str(args.get("name", ""))
    return str(args[-1]) if isinstance(args, tuple) and args else ""


class QuietTicks(logging.Filter):
    """Drops Celery's routine lines about the beat ticks (sent, received, done with nothing to do).

    A tick that moved callbacks (it returns how many) still says so, and
    warnings and errors of every task pass.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.WARNING or not _task_name(record).startswith(TICKS):
            return True
        return isinstance(record.args, dict) and record.args.get("return_value") not in (None, "0")
