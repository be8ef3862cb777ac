import re

import pytest
from django.core.management import call_command


@pytest.fixture
def schema(client, db):
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    return response.json()


def test_the_schema_covers_the_management_api_regional_services_and_oauth(schema):
    paths = set(schema["paths"])
    assert {"/api/v1/credentials/", "/api/v1/credentials/{client_id}/", "/api/v1/me"} <= paths
    assert "/regional/{region}/v1/cloudaccounts/{cloudaccount_id}/instances" in paths
    assert "/regional/{region}/v1/cloudaccounts/{cloudaccount_id}/sshpublickeys/name/{name}" in paths
    assert {"/oauth2/token", "/oauth2/revoke", "/oauth2/introspect"} <= paths


def test_the_schema_declares_bearer_and_basic_security(schema):
    schemes = schema["components"]["securitySchemes"]
    bearer = schemes["bearer"]
    assert (bearer["type"], bearer["scheme"]) == ("http", "bearer")
    assert "invalid_token" in bearer["description"] and "`aud`" in bearer["description"]
    assert schemes["basic"] == {"type": "http", "scheme": "basic"}


def test_error_responses_are_documented(schema):
    operation = schema["paths"]["/api/v1/credentials/"]["post"]
    assert {"201", "400", "401", "403", "409", "429"} <= set(operation["responses"])


def test_the_schema_validates(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))
    assert (tmp_path / "schema.yml").read_text().startswith("openapi: 3")


@pytest.mark.django_db
def test_the_docs_load_every_asset_from_this_server(client):
    page = client.get("/api/docs/")
    assert page.status_code == 200
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.content.decode())
    assert sources and all(s.startswith("/") for s in sources), sources
    for source in sources:
        assert client.get(source).status_code == 200, source


def test_governance_operations_are_described(schema):
    paths = schema["paths"]
    create = schema["components"]["schemas"]["CreateCredentialInputRequest"]["properties"]
    assert {"regions", "expires_in_days"} <= set(create)
    assert "Revoked-At" in paths["/api/v1/credentials/{client_id}/"]["delete"]["responses"]["204"]["description"]
    for path, method in [
        ("/api/v1/credentials/{client_id}/disable", "post"),
        ("/api/v1/credentials/{client_id}/enable", "post"),
        ("/api/v1/credentials/{client_id}/usage", "get"),
        ("/api/v1/account/credential-policies", "put"),
    ]:
        assert paths[path][method]["description"], path
