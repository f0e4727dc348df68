import pytest
from django.db import connection


def pytest_report_header(config):
    from django.conf import settings

    db = settings.DATABASES["default"]
    where = db.get("HOST") or db["NAME"]
    return f"database: {db['ENGINE'].rsplit('.', 1)[-1]} ({where})"


def pytest_collection_modifyitems(config, items):
    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (row locks, SKIP LOCKED)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)
