"""The what-if tells a donor what to do: a verdict in plain words and fixes ranked by effort."""

import datetime as dt

from django.utils import timezone

from tests import factories

EVALUATE = "/api/v1/compliance/evaluate/"
KN95_FOR_MILAN_2020 = {
    "category": "respirator_nonmedical",
    "standard": "CN_GB2626_KN95",
    "city": "milan",
    "export_date": "2020-06-01",
    "arrival_date": "2020-06-15",
    "manufacture_date": "2020-03-01",
    "expiry_date": "2023-03-01",
    "attachments": [],
}


def _post(api_client, **change):
    response = api_client.post(EVALUATE, {**KN95_FOR_MILAN_2020, **change}, format="json")
    assert response.status_code == 200, response.json()
    return response.json()


def test_a_kn95_for_milan_without_documents_can_go_once_the_declaration_is_attached(
    api_client, catalogue, milan
):
    body = _post(api_client)
    assert body["result"] == "fail"
    assert body["state"] == "fixable"
    assert body["verdict"] == ("Can go to Milan once you attach the exporter's export declaration.")
    assert body["verdict_zh"] == "附上出口商声明后即可发往米兰。"
    first = body["fixes"][0]
    assert first["kind"] == "attach"
    assert [a["kind"] for a in first["attachments"]] == ["export_declaration"]
    assert first["result"] != "fail"
    # Codes stay, labels sit beside them.
    assert body["category"] == "respirator_nonmedical"
    assert body["category_label_zh"] == "非医用口罩（防护口罩）"
    assert body["standard"] == "CN_GB2626_KN95"
    assert body["standard_title"] and body["standard_title_zh"]
    assert body["destination"]["city_name_zh"] == "米兰"
    ann12 = next(f for f in body["findings"] if f["rule"] == "CN-ANN12-NONMEDICAL-MASK")
    assert "export_declaration" in ann12["message"]
    assert "export_declaration" not in ann12["text"]
    assert "exporter's export declaration" in ann12["text"]
    assert "CN_GB2626_KN95" not in ann12["text"] + ann12["text_zh"]

    attached = _post(api_client, attachments=["export_declaration"])
    assert attached["result"] == "warn"
    assert attached["state"] == "warn"
    assert attached["verdict"] == "Can go to Milan; read the notes below."
    assert attached["fixes"] == []


def test_photos_and_unknown_kinds_are_ignored_never_an_error(api_client, catalogue, milan):
    plain = _post(api_client)
    with_photo = _post(api_client, attachments=["photo", "love_letter"])
    assert with_photo["result"] == plain["result"]
    assert with_photo["verdict"] == plain["verdict"]
    assert with_photo["ignored_attachments"] == ["love_letter", "photo"]
    assert with_photo["attachments"] == []
    suggested = {a["kind"] for fix in with_photo["fixes"] for a in fix["attachments"]}
    assert not suggested & {"photo", "other"}


def test_dates_default_to_leaving_today_with_two_weeks_transit(api_client, catalogue, milan):
    body = _post(api_client, export_date=None, arrival_date=None)
    today = timezone.localdate()
    assert body["export_date"] == today.isoformat()
    assert body["arrival_date"] == (today + dt.timedelta(days=14)).isoformat()
    assert body["transit_days"] == 14


def test_after_the_2020_window_the_fixes_name_a_standard_and_another_city(
    api_client, catalogue, milan
):
    factories.SisterCityFactory(slug="busan", name="Busan", name_zh="釜山", country="KR")
    body = _post(api_client, export_date="2023-01-10", arrival_date="2023-01-24")
    assert body["result"] == "fail"
    assert body["state"] == "blocked"
    assert body["verdict"].startswith("Cannot go to Milan")
    kinds = [fix["kind"] for fix in body["fixes"]]
    assert "standard" in kinds
    efforts = [fix["effort"] for fix in body["fixes"] if fix["result"] != "fail"]
    assert efforts == sorted(efforts)
    standard = next(fix for fix in body["fixes"] if fix["kind"] == "standard")
    assert standard["result"] != "fail"
    assert standard["standard_title_zh"]
    # Every fix was found by evaluating the facts with that change.
    trial = _post(
        api_client,
        export_date="2023-01-10",
        arrival_date="2023-01-24",
        standard=standard["standard"],
        attachments=[a["kind"] for a in standard["attachments"]],
        manufacturer_whitelisted=standard["whitelisted"],
    )
    assert trial["result"] == standard["result"]
    for fix in body["fixes"]:
        if fix["kind"] == "destination":
            assert fix["city"] == "busan"
            moved = _post(
                api_client,
                export_date="2023-01-10",
                arrival_date="2023-01-24",
                city="busan",
                attachments=[a["kind"] for a in fix["attachments"]],
                manufacturer_whitelisted=fix["whitelisted"],
            )
            assert moved["result"] == fix["result"]
