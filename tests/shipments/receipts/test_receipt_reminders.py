"""Reminders while a receipt stage is overdue, run by the beat schedule's task, in frozen time."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core import mail

from sfiec.celery import app
from shipments.models import ReceiptRequest

from .conftest import png_upload, portal_path

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def schedule(settings):
    settings.RECEIPT_DUE_DAYS = 14
    settings.RECEIPT_REPORT_DUE_DAYS = 30
    settings.RECEIPT_REMINDER_MAX = 3
    settings.RECEIPT_REMINDER_INTERVAL_DAYS = 3


def _beat_task():
    """The task the beat schedule names, as the beat process would find it."""
    entry = django_settings.CELERY_BEAT_SCHEDULE["receipt-reminders"]
    return app.tasks[entry["task"]], entry["schedule"]


def _run_hourly(start, end, committed):
    """Run the beat task at minute 17 of every hour in [start, end); who got what, and when."""
    task, _cron = _beat_task()
    sent = []
    moment = start
    while moment < end:
        before = len(mail.outbox)
        with time_machine.travel(moment, tick=False), committed():
            task.delay()
        sent += [(moment, message) for message in mail.outbox[before:]]
        moment += dt.timedelta(hours=1)
    return sent


def _at(day, hour=0, minute=17):
    return dt.datetime(2027, 3, day, hour, minute, tzinfo=SHANGHAI)


def test_the_beat_schedule_runs_the_reminders_hourly():
    task, cron = _beat_task()
    assert task.name == "shipments.receipt_reminders_send"
    assert cron.minute == {17} and len(cron.hour) == 24


def test_reminders_go_out_on_schedule_and_staff_are_told_after_the_last(
    schedule, make_delivered, received_lot, committed, coordinator, logistics_officer
):
    with time_machine.travel(_at(1, 10), tick=False):
        shipment = make_delivered(received_lot)
    request = shipment.receipt_request
    assert request.due_on == dt.date(2027, 3, 15)
    contact = request.contact.email

    sent = _run_hourly(_at(1, 11), _at(31), committed)
    to_recipient = [(when, m) for when, m in sent if contact in m.to]
    to_staff = [(when, m) for when, m in sent if contact not in m.to]

    # Overdue from the 16th (the day after the due date), then every third day, three times.
    assert [when for when, _m in to_recipient] == [_at(16), _at(19), _at(22)]
    assert all("Reminder" in m.subject for _w, m in to_recipient)
    # Staff are told once, when the interval after the last reminder has passed.
    assert [when for when, _m in to_staff] == [_at(25)]
    [(_when, alert)] = to_staff
    assert "no answer after the last reminder" in alert.subject
    assert coordinator.email in alert.to and logistics_officer.email in alert.to
    request.refresh_from_db()
    assert (request.reminders_sent, request.staff_alerted_at) == (3, _at(25))


def test_the_link_in_a_late_reminder_still_works(
    schedule, settings, client, make_delivered, received_lot, committed
):
    settings.RECEIPT_LINK_MAX_AGE = 20 * 24 * 3600
    with time_machine.travel(_at(1, 10), tick=False):
        shipment = make_delivered(received_lot)
    sent = _run_hourly(_at(22), _at(22, 1), committed)  # the 22nd: 21 days after the email
    [(_when, reminder)] = sent
    with time_machine.travel(_at(22, 9), tick=False):
        response = client.get(portal_path(reminder))
    assert response.status_code == 200 and shipment.reference in response.content.decode()


def test_an_upload_stops_the_reminders_and_the_report_has_its_own_cycle(
    schedule, client, make_delivered, received_lot, committed, logistics_officer
):
    from shipments import receipts

    with time_machine.travel(_at(1, 10), tick=False):
        shipment = make_delivered(received_lot)
        request = shipment.receipt_request
        link = receipts.receipt_token_make(request)
    assert len(_run_hourly(_at(16), _at(17), committed)) == 1
    with time_machine.travel(_at(17, 9), tick=False):
        client.post(f"/receipt/{link}/", {"stage": "receipt", "receipt-files": [png_upload()]})
    request.refresh_from_db()
    assert request.status == "receipt_uploaded"
    # Nothing is owed while staff check: no reminder, however long they take.
    assert _run_hourly(_at(17, 10), _at(22), committed) == []
    with time_machine.travel(_at(22, 9), tick=False):
        receipts.receipt_verify(request=request, actor=logistics_officer)
    request.refresh_from_db()
    assert (request.due_on, request.reminders_sent) == (dt.date(2027, 4, 21), 0)
    # The report is due on 21 April: its first reminder goes out on the 22nd.
    reminders = _run_hourly(
        dt.datetime(2027, 4, 21, 0, 17, tzinfo=SHANGHAI),
        dt.datetime(2027, 4, 23, 0, 17, tzinfo=SHANGHAI),
        committed,
    )
    assert [when.date() for when, _m in reminders] == [dt.date(2027, 4, 22)]
    assert "distribution report" in reminders[0][1].body


def test_two_runs_at_once_send_one_reminder(schedule, make_delivered, received_lot, committed):
    from shipments import receipts

    with time_machine.travel(_at(1, 10), tick=False):
        shipment = make_delivered(received_lot)
    with time_machine.travel(_at(16), tick=False), committed():
        first = receipts.receipt_reminders_send()
        second = receipts.receipt_reminders_send()
    assert (first["reminders"], second["reminders"]) == (1, 0)
    assert ReceiptRequest.objects.get(shipment=shipment).reminders_sent == 1


def test_a_lost_opening_task_is_made_up_by_the_next_run(
    schedule, make_delivered, received_lot, committed
):
    from shipments import receipts

    with time_machine.travel(_at(1, 10), tick=False):
        shipment = make_delivered(received_lot)
    contact = shipment.receipt_request.contact.email
    shipment.receipt_request.delete()  # as if the task had never run
    mail.outbox.clear()
    with time_machine.travel(_at(1, 11), tick=False), committed():
        assert receipts.receipt_reminders_send()["opened"] == 1
    assert ReceiptRequest.objects.filter(shipment=shipment).count() == 1
    assert [m.to for m in mail.outbox] == [[contact]]
    # Long-delivered shipments are history, not missed work.
    ReceiptRequest.objects.filter(shipment=shipment).delete()
    with time_machine.travel(_at(5, 11), tick=False), committed():
        assert receipts.receipt_reminders_send()["opened"] == 0
