"""Cached reads of configuration (``callbackproject.base.cache.cached``): forgotten at a change's commit, and
never kept where another process could not be told to forget them."""

import pytest
from django.db import transaction

from callbackproject.base.cache import cached, forget

pytestmark = pytest.mark.django_db

LOCAL_MEMORY = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


def test_a_read_cached_while_a_change_commits_is_forgotten_at_the_commit(
    shared_cache, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            forget("config")
            # Another transaction, not seeing this one's change, reads and caches the old rows meanwhile.
            cached("config", lambda: "old rows")
    assert cached("config", lambda: "new rows") == "new rows"


def test_a_read_is_kept_in_a_shared_cache(shared_cache):
    cached("config", lambda: "first")

    assert cached("config", lambda: "second") == "first"


def test_nothing_is_kept_in_one_processs_own_memory(settings):
    settings.CACHES = LOCAL_MEMORY
    cached("config", lambda: "first")

    assert cached("config", lambda: "second") == "second"
