"""Settings come from the environment; each case runs in a fresh interpreter."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_KEY = "p" * 20 + "-production-secret-" + "q" * 30
CONTRACT_VARIABLES = (
    "DATABASE_URL",
    "REDIS_URL",
    "DJANGO_DEBUG",
    "DJANGO_SECRET_KEY",
    "EMAIL_URL",
    "SITE_URL",
    "MEDIA_ROOT",
    "DJANGO_SETTINGS_MODULE",
    "DJANGO_ALLOW_ASYNC_UNSAFE",  # set by the browser tests; never in a deployment
)


def _run(code: str, **variables) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in CONTRACT_VARIABLES}
    env.update(variables)
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def _settings(**variables) -> dict:
    code = (
        "import json; from sfiec import settings as s; "
        "print(json.dumps({'eager': s.CELERY_TASK_ALWAYS_EAGER, 'broker': s.CELERY_BROKER_URL,"
        " 'cache': s.CACHES['default']['BACKEND'], 'db': s.DATABASES['default']['ENGINE'],"
        " 'email': s.EMAIL_BACKEND, 'site': s.SITE_URL, 'media': str(s.MEDIA_ROOT),"
        " 'debug': s.DEBUG}))"
    )
    result = _run(code, **variables)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_embedded_defaults_need_nothing_installed():
    values = _settings(DJANGO_DEBUG="1")
    assert values["eager"] is True
    assert values["broker"] == "memory://localhost"
    assert values["cache"].endswith("LocMemCache")
    assert values["db"].endswith("sqlite3")
    assert values["email"].endswith("console.EmailBackend")
    assert values["site"] == "http://127.0.0.1:8000"
    assert values["media"] == str(ROOT / "media")


def test_redis_url_switches_celery_and_cache_to_redis():
    values = _settings(DJANGO_DEBUG="1", REDIS_URL="redis://127.0.0.1:6379/5")
    assert values["eager"] is False
    assert values["broker"] == "redis://127.0.0.1:6379/5"
    assert values["cache"] == "django_redis.cache.RedisCache"


def test_database_email_site_and_media_come_from_the_environment(tmp_path):
    values = _settings(
        DJANGO_DEBUG="1",
        DATABASE_URL="postgres://u:p@db.example:5432/sfiec",
        EMAIL_URL="smtp://mailer.example:587",
        SITE_URL="https://aid.example.org/",
        MEDIA_ROOT=str(tmp_path),
    )
    assert values["db"] == "django.db.backends.postgresql"
    assert values["email"] == "django.core.mail.backends.smtp.EmailBackend"
    assert values["site"] == "https://aid.example.org"
    assert values["media"] == str(tmp_path)


def test_debug_is_off_by_default_and_refuses_to_start_without_a_secret_key():
    result = _run("import sfiec.settings")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_debug_off_refuses_a_short_secret_key():
    result = _run("import sfiec.settings", DJANGO_SECRET_KEY="short")
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_deploy_check_is_clean_with_production_variables():
    env = {k: v for k, v in os.environ.items() if k not in CONTRACT_VARIABLES}
    env.update(
        DJANGO_SECRET_KEY=PRODUCTION_KEY,
        SITE_URL="https://aid.example.org",
        DATABASE_URL="postgres://u:p@db.example:5432/sfiec",
        REDIS_URL="redis://127.0.0.1:6379/0",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "DEBUG"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_every_model_change_has_its_migration():
    result = subprocess.run(
        [sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"],
        cwd=ROOT,
        env={
            **{k: v for k, v in os.environ.items() if k not in CONTRACT_VARIABLES},
            "DJANGO_DEBUG": "1",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_environment_variable_is_in_the_readme():
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    settings_source = (root / "sfiec" / "settings.py").read_text()
    read = set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z][A-Z0-9_]+)"', settings_source))
    readme = (root / "README.md").read_text()
    assert read and not {name for name in read if f"`{name}`" not in readme}
