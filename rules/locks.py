"""Transaction-scoped advisory locks for the limits the rules count."""

import hashlib

from django.db import connection


def advisory_lock(*parts) -> None:
    """Hold a lock named by ``parts`` until the current transaction ends.

    A limit checked by counting rows races: two requests both count 4 of 5 and
    both insert. Taking this lock before counting makes the second request wait
    for the first to commit, and its count (a new statement, so a new snapshot
    under READ COMMITTED) then includes the first's row. The key is a 64-bit
    hash of the parts. SQLite serialises writers anyway.
    """
    if connection.vendor != "postgresql":
        return
    digest = hashlib.blake2b("\x1f".join(map(str, parts)).encode(), digest_size=8).digest()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [int.from_bytes(digest, "big", signed=True)])
