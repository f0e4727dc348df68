"""What the service logs for routine events: one line for a refused page, nothing for an idle beat tick."""

import logging

import pytest
from celery.app.trace import LOG_RECEIVED, LOG_SUCCESS


def test_a_refused_page_logs_one_line_without_a_traceback(agent, caplog):
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert agent.get("/manage/").status_code == 403

    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert record.getMessage() == "Forbidden (Permission denied): /manage/"
    assert record.exc_info is None
    assert "Traceback" not in caplog.text


def test_a_missing_page_logs_one_line_without_a_traceback(manager, caplog):
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert manager.get("/manage/callbacks/00000000-0000-0000-0000-000000000000/").status_code == 404

    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert record.getMessage() == "Not Found: /manage/callbacks/00000000-0000-0000-0000-000000000000/"
    assert record.exc_info is None


def tick(name="callbacks.tasks.release_due", return_value="0"):
    return {"id": "1", "name": name, "return_value": return_value, "runtime": 0.01, "args": "()", "kwargs": "{}"}


@pytest.mark.parametrize(
    "logger,message,args",
    [
        (
            "celery.beat",
            "Scheduler: Sending due task %s (%s)",
            ("callbacks: release due", "callbacks.tasks.release_due"),
        ),
        ("celery.worker.strategy", LOG_RECEIVED, (tick(),)),
        ("celery.app.trace", LOG_SUCCESS, (tick(),)),
    ],
)
def test_an_idle_beat_tick_logs_nothing(caplog, logger, message, args):
    with caplog.at_level(logging.INFO):
        logging.getLogger(logger).info(message, *args)

    assert caplog.records == []


def test_a_tick_that_moved_callbacks_says_so(caplog):
    with caplog.at_level(logging.INFO):
        logging.getLogger("celery.app.trace").info(LOG_SUCCESS, tick(return_value="3"))

    assert "callbacks.tasks.release_due[1] succeeded in 0.01s: 3" in caplog.text


def test_other_tasks_still_log_their_runs(caplog):
    with caplog.at_level(logging.INFO):
        logging.getLogger("celery.app.trace").info(LOG_SUCCESS, tick(name="callbacks.notify.send", return_value="0"))

    assert "callbacks.notify.send[1] succeeded" in caplog.text
