"""The project's one settings module, with the embedded developer defaults the suite runs on.

Only environment defaults are set here, so DATABASE_URL and REDIS_URL from CI still apply.
"""

import os
import tempfile

os.environ.setdefault("DJANGO_DEBUG", "1")

from sfiec.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="sfiec-test-media-"))  # noqa: F405
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tasks run in-process in the suite even when REDIS_URL is set; the worker tests in
# tests/integration switch to the real broker and a real worker themselves.
CELERY_TASK_ALWAYS_EAGER = True
# Request threads of the browser tests' live server must not keep connections open after
# they finish, or the test database cannot be dropped at the end of the run.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
