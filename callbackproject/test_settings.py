"""Settings for the test suite: the real settings with a fixed key and fast hashing."""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-not-a-secret")

from .settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# The test client speaks plain HTTP, and templates render without collectstatic; the production settings
# themselves (manifest storage, HTTPS redirect) are tested on a real gunicorn in tests/callbackproject/test_production.py.
SECURE_SSL_REDIRECT = False
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
WHITENOISE_USE_FINDERS = True
STATIC_ROOT = None  # nothing is collected for the suite: files come from the finders
