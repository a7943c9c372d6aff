"""Production settings (debug off) plus the benchmark's naive endpoints; never used to serve users.

The dashboard's brief cache is replaced by a dummy cache unless BENCH_CACHE=1, so the figures
are what each request costs when it has to compute, not what a cache hit costs.
"""

import os

from sfiec.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
if os.environ.get("BENCH_CACHE") != "1":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
# The load generator is one client address; throttles would measure themselves.
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_CLASSES": []}  # noqa: F405
