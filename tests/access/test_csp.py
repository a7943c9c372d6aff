"""Every HTML page carries the Content-Security-Policy: nothing inline, nothing from elsewhere."""

import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_every_html_page_carries_the_policy(client, manager):
    public = [reverse("home"), reverse("donations:offer-new"), reverse("login"), "/api/docs/"]
    client.force_login(manager)
    staff = [reverse("donations:review-queue"), reverse("admin:index")]
    for url in [*public, *staff]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"].startswith("text/html"), url
        policy = response["Content-Security-Policy"]
        directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
        assert directives["script-src"] == "'self'", url
        assert directives["style-src"] == "'self'", url
        assert directives["frame-ancestors"] == "'none'", url
        assert "unsafe-inline" not in policy, url


def test_the_api_docs_need_no_inline_script(client):
    html = client.get("/api/docs/").content.decode()
    assert "<script>" not in html and "<style>" not in html
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
