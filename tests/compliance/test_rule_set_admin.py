"""Compliance officers edit rules in the admin; every save is a new version."""

import copy
import json

import pytest
from django.urls import reverse

from compliance.models import ComplianceCheck, RuleSet


def _form(rule_set, rules, notes="EU respirators warn only"):
    return {"title": rule_set.title, "rules": json.dumps(rules), "notes": notes}


def test_saving_an_edited_rule_set_makes_a_new_version(
    client, kn95_lot, compliance_officer, django_capture_on_commit_callbacks
):
    base = RuleSet.objects.get(is_active=True)
    old_check = ComplianceCheck.objects.get(lot=kn95_lot, is_current=True)
    rules = [dict(rule) for rule in base.rules]
    rules[0]["title"] = rules[0]["title"] + " (edited)"
    client.force_login(compliance_officer)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:compliance_ruleset_change", args=[base.pk]), _form(base, rules)
        )

    assert response.status_code == 302
    new = RuleSet.objects.get(is_active=True)
    assert (
        new.version == "2020.2-r2" and new.based_on == base and new.created_by == compliance_officer
    )
    base.refresh_from_db()
    assert base.rules[0]["title"] != rules[0]["title"]  # the old version is untouched
    old_check.refresh_from_db()
    assert old_check.rule_set == base and old_check.is_stale
    assert ComplianceCheck.objects.get(lot=kn95_lot, is_current=True).rule_set == new


def test_an_invalid_rule_set_is_refused_beside_the_field(client, catalogue, compliance_officer):
    base = RuleSet.objects.get(is_active=True)
    rules = [dict(rule) for rule in base.rules]
    rules[1]["effective_from"] = "2020-02-30"
    client.force_login(compliance_officer)

    response = client.post(
        reverse("admin:compliance_ruleset_change", args=[base.pk]), _form(base, rules)
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert rules[1]["id"] in html and "effective_from" in html
    assert RuleSet.objects.count() == 2


def test_a_coordinator_cannot_edit_rules(client, catalogue, coordinator):
    base = RuleSet.objects.get(is_active=True)
    client.force_login(coordinator)
    response = client.post(
        reverse("admin:compliance_ruleset_change", args=[base.pk]), _form(base, base.rules)
    )
    assert response.status_code == 403
    assert RuleSet.objects.count() == 2


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (lambda rules: rules[3].update(colour="red"), "rules[3].colour: Extra inputs"),
        (lambda rules: rules[2].update(effective_to=20201231), "rules[2].effective_to: "),
        (lambda rules: rules[3].pop("message_zh"), "rules[3].message_zh: Field required"),
        (
            lambda rules: rules[0]["params"]["routes"][1].update(whitelisted="yes"),
            "rules[0].params.routes[1].whitelisted: Input should be a valid boolean",
        ),
    ],
    ids=["unknown-key", "wrong-type", "missing-chinese-message", "route-field"],
)
def test_the_editor_names_the_path_of_each_problem(
    client, catalogue, compliance_officer, edit, problem
):
    base = RuleSet.objects.get(is_active=True)
    rules = copy.deepcopy(base.rules)
    edit(rules)
    client.force_login(compliance_officer)

    response = client.post(
        reverse("admin:compliance_ruleset_change", args=[base.pk]), _form(base, rules)
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["rules"]
    assert any(error.startswith(problem) for error in errors), errors
    assert RuleSet.objects.count() == 2
