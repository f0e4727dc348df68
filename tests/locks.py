"""Races set up by watching PostgreSQL's lock table, not by sleeping."""

import time

from django.db import connection


def waits_on_a_lock(waiter):
    """Whether the connection whose pid lands in ``waiter`` comes to wait on a lock, within 10 seconds.

    By its pid: other sessions on the same server (other test runs) may be waiting on locks of their own.
    """
    deadline = time.monotonic() + 10
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            if waiter:
                cursor.execute("SELECT EXISTS (SELECT FROM pg_locks WHERE pid = %s AND NOT granted)", waiter)
                if cursor.fetchone()[0]:
                    return True
            time.sleep(0.01)  # polling for the wait to begin, not making it happen
    return False
