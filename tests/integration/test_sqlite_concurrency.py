"""The embedded default survives concurrent writes (issue 8.6): six offers submitted at once
to a development server on a SQLite file all succeed."""

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from .test_make_run import _free_port

ROOT = Path(__file__).resolve().parents[2]
SETUP = """
from django.contrib.auth import get_user_model
from partners.models import Contact, Organisation, PartnerMembership
from rest_framework.authtoken.models import Token
organisation = Organisation.objects.create(kind="donor", name="Concurrent Donor")
contact = Contact.objects.create(organisation=organisation, name="C", email="c@example.org")
user = get_user_model().objects.create_user("concurrent", "c@example.org", "x")
PartnerMembership.objects.create(user=user, organisation=organisation, contact=contact)
print("TOKEN=" + Token.objects.create(user=user).key)
"""


def _lot(index: int) -> dict:
    today = dt.date.today()
    return {
        "category": "gloves",
        "product": f"Nitrile gloves {index}",
        "manufacturer": "Factory",
        "unit": "pair",
        "quantity_offered": 1000,
        "cartons": 10,
        "manufactured_on": (today - dt.timedelta(days=30)).isoformat(),
        "expires_on": (today + dt.timedelta(days=700)).isoformat(),
    }


@pytest.mark.server
def test_six_concurrent_offer_submits_on_sqlite_all_succeed(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'concurrent.sqlite3'}",
        MEDIA_ROOT=str(tmp_path / "media"),
        DJANGO_DEBUG="1",
        DJANGO_SETTINGS_MODULE="sfiec.settings",
    )
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    setup = subprocess.run(
        [*manage, "shell", "-c", SETUP], cwd=ROOT, env=env, check=True, capture_output=True
    )
    token = setup.stdout.decode().split("TOKEN=")[1].strip()
    port = _free_port()
    server = subprocess.Popen(
        [*manage, "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2).close()
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "no server"
                time.sleep(0.3)
        statuses, barrier = [], threading.Barrier(6)

        def submit(index):
            body = json.dumps({"lots": [_lot(index), _lot(index + 100)]}).encode()
            request = urllib.request.Request(
                base + "/api/v1/offers/",
                data=body,
                headers={"Content-Type": "application/json", "Authorization": f"Token {token}"},
            )
            barrier.wait()
            try:
                with urllib.request.urlopen(request, timeout=60) as response:
                    statuses.append(response.status)
            except urllib.error.HTTPError as error:
                statuses.append(error.code)

        threads = [threading.Thread(target=submit, args=(i,)) for i in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        output = server.communicate(timeout=30)[0].decode(errors="replace")
    assert statuses == [201] * 6, output[-3000:]
