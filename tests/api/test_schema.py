"""The OpenAPI schema validates and documents what an integrator needs."""

import json

import pytest
from django.core.management import call_command


@pytest.fixture
def schema(client):
    return client.get("/api/schema/?format=json").json()


def test_the_schema_validates_without_warnings(tmp_path):
    # drf-spectacular validates against the OpenAPI 3 JSON schema; a warning is a failure.
    out = tmp_path / "schema.json"
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--format=openapi-json", f"--file={out}"
    )
    assert json.loads(out.read_text())["openapi"].startswith("3.")


@pytest.mark.django_db
def test_every_operation_documents_the_error_responses(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert {"400", "401", "403", "404", "429"} <= codes, (method, path)
            if method in ("post", "put", "patch", "delete"):
                assert {"409", "415"} <= codes, (method, path)
            error = operation["responses"]["404"]["content"]["application/json"]
            assert error["schema"] == {"$ref": "#/components/schemas/Error"}
            assert error["examples"], (method, path)


@pytest.mark.django_db
def test_tags_per_resource(schema):
    tags = {tag for ops in schema["paths"].values() for op in ops.values() for tag in op["tags"]}
    assert {"Lots", "Offers", "Shipments", "Cities", "Organisations", "Contacts"} <= tags


@pytest.mark.django_db
def test_fields_returned_as_null_are_nullable(schema):
    components = schema["components"]["schemas"]
    for component, field in [
        ("Lot", "standard"),
        ("ComplianceCheck", "overridden_by"),
        ("RuleSet", "based_on"),
        ("Organisation", "city"),
    ]:
        assert components[component]["properties"][field].get("nullable") is True, component


@pytest.mark.django_db
def test_downloads_declare_their_content_type(schema):
    download = schema["paths"]["/api/v1/attachments/{id}/download/"]["get"]
    assert "application/octet-stream" in download["responses"]["200"]["content"]


@pytest.mark.django_db
def test_the_docs_tell_an_integrator_how_to_authenticate(schema, client):
    description = schema["info"]["description"]
    assert "/account/tokens/" in description and "Authorization: Bearer" in description
    assert "apiToken" in schema["components"]["securitySchemes"]
    assert client.get("/api/docs/").status_code == 200


@pytest.mark.django_db
def test_a_url_that_matches_nothing_under_the_api_is_a_json_404(client):
    response = client.get("/api/v1/compliance/lots/-1/destinations/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
