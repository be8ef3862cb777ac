import re

import pytest
from django.core.management import call_command

from credentials.scopes import SCOPES
from regional.models import Instance


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
    assert (schemes["basic"]["type"], schemes["basic"]["scheme"]) == ("http", "basic")


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
    sources = re.findall(r'<(?:script|link|img)\b[^>]*\b(?:src|href)="([^"]+)"', page.content.decode())  # assets
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


def operations(schema):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def resolve(schema, node):
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def ok_schema(schema, operation):
    return resolve(schema, operation["responses"]["200"]["content"]["application/json"]["schema"])


def test_the_oauth2_scheme_is_the_client_credentials_grant_with_our_scopes(schema):
    """What lets Swagger UI's Authorize and generated clients fetch a token from a client ID and secret."""
    oauth2 = schema["components"]["securitySchemes"]["oauth2"]
    assert oauth2["type"] == "oauth2"
    assert oauth2["flows"] == {"clientCredentials": {"tokenUrl": "/oauth2/token", "scopes": SCOPES}}


@pytest.mark.parametrize(
    "path, method, scopes",
    [
        ("/api/v1/me", "get", []),
        ("/api/v1/credentials/", "get", ["credentials:read"]),
        ("/api/v1/credentials/", "post", ["credentials:write"]),
        ("/regional/{region}/v1/cloudaccounts/{cloudaccount_id}/instances", "get", ["compute:read"]),
        (
            "/regional/{region}/v1/cloudaccounts/{cloudaccount_id}/sshpublickeys/id/{resource_id}",
            "delete",
            ["compute:write"],
        ),
    ],
)
def test_bearer_operations_name_the_scope_they_need(schema, path, method, scopes):
    assert schema["paths"][path][method]["security"][0] == {"oauth2": scopes}


def test_every_bearer_operation_takes_an_oauth2_token_or_a_client_secret(schema):
    bearer = [
        (path, method, op["security"]) for path, method, op in operations(schema) if {"bearer": []} in op["security"]
    ]
    assert len(bearer) > 20
    for path, method, security in bearer:
        oauth2 = [requirement["oauth2"] for requirement in security if "oauth2" in requirement]
        assert len(oauth2) == 1 and set(oauth2[0]) <= set(SCOPES), (path, method, security)


@pytest.mark.parametrize(
    "path, answer",
    [
        ("/oauth2/token", "TokenResponse"),
        ("/oauth2/revoke", "TokenRevocationResponse"),
        ("/oauth2/introspect", "TokenIntrospectionResponse"),
    ],
)
def test_the_oauth_endpoints_take_basic_or_form_credentials_never_a_bearer_token(schema, path, answer):
    """RFC 6749 §2.3.1: client_secret_basic, or client_secret_post (the empty requirement); the
    endpoints refuse a bearer token, so the schema must not offer one. Named bodies and answers
    give generated clients stable model names."""
    operation = schema["paths"][path]["post"]
    assert operation["security"] == [{"basic": []}, {}]
    assert schema["components"]["securitySchemes"]["basic"]["scheme"] == "basic"
    body = resolve(schema, operation["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"])
    assert {"client_id", "client_secret"} <= set(body["properties"])
    responses = {
        code: response["content"]["application/json"]["schema"] for code, response in operation["responses"].items()
    }
    assert responses.pop("200") == {"$ref": f"#/components/schemas/{answer}"}
    assert set(responses) == {"400", "401", "405", "429"}
    assert all(error == {"$ref": "#/components/schemas/OAuthError"} for error in responses.values())


def test_paginated_lists_document_limit_offset_and_their_envelope(schema):
    paged = {}
    for path, method, operation in operations(schema):
        if method == "get" and "results" in ok_schema(schema, operation).get("properties", {}):
            paged[path] = operation
    assert set(paged) == {
        "/regional/{region}/v1/cloudaccounts/{cloudaccount_id}/instances",
        "/regional/{region}/v1/cloudaccounts/{cloudaccount_id}/sshpublickeys",
    }
    for path, operation in paged.items():
        query = {
            parameter["name"]: parameter["schema"]
            for parameter in operation["parameters"]
            if parameter["in"] == "query"
        }
        assert query["limit"]["type"] == query["offset"]["type"] == "integer", path
        envelope = ok_schema(schema, operation)
        assert set(envelope["required"]) == {"count", "next", "previous", "results"}, path
        assert envelope["properties"]["next"]["nullable"] and envelope["properties"]["previous"]["nullable"]


def test_the_documented_envelope_and_parameters_are_the_ones_a_list_answers_to(
    schema, api, member, member_credential, region
):
    """Checked against a real answer, paged with the documented parameters, so the schema cannot drift."""
    for name in ("a", "b"):
        Instance.objects.create(
            cloud_account_id=member.account.cloud_account_id,
            region=region,
            name=name,
            instance_type=region.instance_types.first(),
            machine_image="debian-12",
            created_by_email=member.user.email,
        )
    path = "/regional/{region}/v1/cloudaccounts/{cloudaccount_id}/instances"
    operation = schema["paths"][path]["get"]
    documented = {parameter["name"] for parameter in operation["parameters"] if parameter["in"] == "query"}
    assert {"limit", "offset"} <= documented
    url = path.format(region=region.slug, cloudaccount_id=member.account.cloud_account_id)
    answer = api.get(url, {"limit": 1, "offset": 1}, HTTP_AUTHORIZATION=f"Bearer {member_credential[1]}").json()
    envelope = ok_schema(schema, operation)
    assert set(answer) == set(envelope["properties"])
    assert (answer["count"], len(answer["results"]), answer["next"]) == (2, 1, None)
    assert "limit=1" in answer["previous"]
    item = resolve(schema, envelope["properties"]["results"]["items"])
    assert set(answer["results"][0]) == set(item["properties"])


def free_form_objects(schema, node, where):
    """Objects a generated client could only hand over as a dict: no properties, no typed values."""
    if isinstance(node, list):
        for index, value in enumerate(node):
            yield from free_form_objects(schema, value, f"{where}[{index}]")
    if not isinstance(node, dict):
        return
    if (
        node.get("type") == "object"
        and not node.get("properties")
        and node.get("additionalProperties") in (None, True, {})
    ):
        yield where
    for key, value in node.items():
        yield from free_form_objects(schema, value, f"{where}.{key}")


def test_me_is_fully_typed(schema):
    me = ok_schema(schema, schema["paths"]["/api/v1/me"]["get"])
    account = resolve(schema, me["properties"]["account"])
    assert account["properties"]["cloud_account_id"]["type"] == "string"
    assert "cloud_account_id" in account["required"]
    assert resolve(schema, me["properties"]["user"])["properties"]["email"]["format"] == "email"
    credential = me["properties"]["credential"]
    assert credential["nullable"] and {"client_id", "name"} <= set(
        resolve(schema, credential["allOf"][0])["properties"]
    )


def test_no_answer_or_body_is_a_free_form_object(schema):
    assert list(free_form_objects(schema, schema["components"]["schemas"], "components")) == []
    assert list(free_form_objects(schema, schema["paths"], "paths")) == []


def test_every_operation_has_its_own_summary_and_operation_id(schema):
    summaries, ids = [], []
    for path, method, operation in operations(schema):
        assert operation.get("summary", "").strip(), f"{method.upper()} {path}: add extend_schema(summary=...)"
        summaries.append(operation["summary"])
        ids.append(operation["operationId"])
    assert len(set(summaries)) == len(summaries) and len(set(ids)) == len(ids)


def test_every_operation_says_what_security_it_takes(schema):
    """An open operation (report-leak, GitHub's reports) says `security: []` rather than nothing."""
    assert all("security" in operation for _, _, operation in operations(schema))
    assert schema["paths"]["/api/v1/credentials/report-leak"]["post"]["security"] == []
    assert schema["servers"] == [{"url": "/", "description": "This server."}]
