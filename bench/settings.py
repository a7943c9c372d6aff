"""Production settings (debug off) plus the benchmark's naive endpoints; never used to serve users.

The dashboard's brief cache is off unless BENCH_CACHE=1, so its figures are what each request
costs when it has to compute, not what a cache hit costs. The lists keep their brief cache of
big counts, as in production (API_LIST_COUNT_CACHE_SECONDS): the issue names a cached count as
one of the ways to make them fast.

Static files are collected once into BENCH_STATIC_ROOT (bench/run.py keeps them while their
sources are unchanged), with the production storage (hashed names, compressed copies) except
that source maps are not compressed: no page asks for them, and their brotli compression was
more than half of the collection time.
"""

import os
from pathlib import Path

from whitenoise.compress import Compressor

from sfiec.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
if os.environ.get("BENCH_CACHE") == "none":  # nothing cached at all (bench/api_lists.py)
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
if os.environ.get("BENCH_CACHE") != "1":
    DASHBOARD_CACHE_SECONDS = 0
# The load generator is one client address; throttles would measure themselves.
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_CLASSES": []}  # noqa: F405
if os.environ.get("BENCH_STATIC_ROOT"):
    STATIC_ROOT = Path(os.environ["BENCH_STATIC_ROOT"])
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [*Compressor.SKIP_COMPRESS_EXTENSIONS, "map"]
