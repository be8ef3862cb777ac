"""Bad input never gets a 5xx (issue 12). A body nested deeper than the JSON parser can follow, and
text the database or UTF-8 cannot hold (NUL, which PostgreSQL refuses in text; unpaired surrogates)
in a path, a query or a body, answer 400 or 404 on every URL of the project for every kind of caller:
not the 500 of a bug, nor the 503 that tells clients the database is down and to retry.

NUL fails only on PostgreSQL (SQLite stores it), so run this file there too.
"""

import json
import re
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlencode

import pytest
from django import forms
from django.conf import settings
from django.db import DataError, IntegrityError, InterfaceError, OperationalError
from django.test import Client, RequestFactory
from django.urls import URLResolver, get_resolver
from django.utils.crypto import get_random_string
from drf_spectacular.generators import SchemaGenerator

from accounts.models import Invitation
from accounts.services import token_digest
from config.errors import server_error
from tests.credentials.helpers import FORM, basic, bearer, get_token, new_credential

NESTED = "[" * 1000 + "]" * 1000
NUL, SURROGATE = "\x00", "\ud800"
# In a URL: NUL, and the UTF-8 bytes of U+D800, which Django must not decode into a character.
URL_VALUES = ("%00", "%ED%A0%80")
JSON = "application/json"
INVITATION_TOKEN = "a-invitation-token"
# Query parameters the portal, allauth and the admin read; the API's come from its schema.
PORTAL_QUERY = {"successor", "narrower", "page", "next", "q", "o", "p", "limit", "offset"}
# A POST to these ends the session or the membership the rest of a signed-in sweep needs; the
# anonymous and bearer sweeps still send them everything.
ENDS_THE_SESSION = {"account_logout", "logout", "leave", "mfa_deactivate_totp"}
PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)")


@dataclass(frozen=True)
class Endpoint:
    name: str
    route: str  # with {parameter} placeholders
    parameters: tuple[str, ...]
    view: object

    def url(self, values: dict[str, str], **override: str) -> str:
        """With `values` for the parameters, "1" for one added since (so that it is swept all the same)."""
        return "/" + self.route.format_map({name: values.get(name, "1") for name in self.parameters} | override)

    def body_methods(self) -> list[str]:
        view_class = getattr(self.view, "cls", None)
        return ["post", *(method for method in ("put", "patch") if hasattr(view_class, method))]


def endpoints(resolver=None, prefix: str = ""):
    """Every URL pattern of the project, the admin's and allauth's included."""
    for entry in (resolver or get_resolver()).url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from endpoints(entry, route)
            continue
        template = PARAMETER.sub(lambda match: "{" + (match[1] or match[2]) + "}", route)
        names = tuple(first or second for first, second in PARAMETER.findall(route))
        yield Endpoint(entry.name or route, template.replace("^", "").replace("$", ""), names, entry.callback)


@cache
def api_schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def json_operations() -> list[tuple[str, str]]:
    """(method, path template) of every operation that takes a JSON body."""
    return [
        (method, path)
        for path, operations in api_schema()["paths"].items()
        for method, operation in operations.items()
        if JSON in operation.get("requestBody", {}).get("content", {})
    ]


def body_fields() -> tuple[dict[str, bool], set[str]]:
    """The API's JSON body fields (name -> is it a list) and every form field name: the OAuth
    endpoints', and those of every Django form loaded (ours, allauth's, the admin's)."""
    schema, json_fields, form_fields = api_schema(), {}, set()
    for operations in schema["paths"].values():
        for operation in operations.values():
            for content_type, content in operation.get("requestBody", {}).get("content", {}).items():
                body = content["schema"]
                if "$ref" in body:
                    body = schema["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]
                for name, field in body.get("properties", {}).items():
                    if content_type == JSON:
                        json_fields[name] = field.get("type") == "array"
                    else:
                        form_fields.add(name)
    pending = [forms.BaseForm]
    while pending:
        form = pending.pop()
        pending.extend(form.__subclasses__())
        form_fields.update(getattr(form, "base_fields", {}))
    return json_fields, form_fields


@cache
def query_names() -> tuple[str, ...]:
    schema_names = {
        parameter["name"]
        for operations in api_schema()["paths"].values()
        for operation in operations.values()
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "query"
    }
    return tuple(sorted(schema_names | PORTAL_QUERY))


@cache
def bad_bodies() -> tuple[tuple[str, str], ...]:
    """(content type, body): every known field set to NUL or an unpaired surrogate, and NESTED. A form
    gets NUL only: the bytes of a surrogate decode to U+FFFD there, an ordinary character."""
    json_fields, form_fields = body_fields()
    filled = [{name: [bad] if is_list else bad for name, is_list in json_fields.items()} for bad in (NUL, SURROGATE)]
    form = "&".join(f"{name}=%00" for name in sorted(form_fields))
    return (JSON, NESTED), *((JSON, json.dumps(body)) for body in filled), (FORM, form)


@dataclass
class Caller:
    kind: str
    client: Client
    values: dict[str, str]  # real path parameters, so that a request gets past the lookups before the bad one

    @property
    def signed_in(self) -> bool:
        return self.kind.endswith("_session")


def with_csrf(client: Client) -> Client:
    """CSRF enforced as in production, where checking a session's POST reads its body before the
    view does, with a valid token so that the request gets past it."""
    client.handler.enforce_csrf_checks = True
    token = get_random_string(32)
    client.cookies[settings.CSRF_COOKIE_NAME] = token
    client.defaults[settings.CSRF_HEADER_NAME] = token
    return client


@pytest.fixture
def unthrottled_leak_reports(settings):
    """The sweeps report more leaks from one address than the limit allows, which would answer 429 unread."""
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "leak_reports_per_ip": (10**6, 60)}


@pytest.fixture
def world(db, unthrottled_leak_reports, owner, member, member_credential, region):
    """Account A: an owner with a credential, a member with a full-access bearer secret and a second
    credential (the one the member's paths name, so that disabling it leaves the bearer working),
    and a pending invitation."""
    invitation = Invitation.objects.create(
        account=owner.account,
        email="invitee@example.com",
        token_digest=token_digest(INVITATION_TOKEN),
        expires_on="2999-01-01",
        invited_by=owner.user,
    )

    def values(membership, credential) -> dict[str, str]:
        return {
            "region": "us-region-1",
            "cloudaccount_id": membership.account.cloud_account_id,
            "client_id": credential.client_id,
            "resource_id": "00000000-0000-4000-8000-000000000000",
            "name": "web",
            "invitation_id": str(invitation.pk),
            "member_id": str(member.pk),
            "token": INVITATION_TOKEN,
            "app_label": "accounts",
            "object_id": "999999",  # the admin's: none, so that a POST deletes or changes nothing
            "content_type_id": "999999",
            "id": "999999",
        }

    member_values = values(member, new_credential(member, name="target")[0])
    return {
        "member": member,
        "owner": owner,
        "secret": member_credential[1],
        "member_values": member_values,
        "owner_values": values(owner, new_credential(owner, name="owner-target")[0]),
    }


@pytest.fixture
def caller(request, world) -> Caller:
    """Who sends the bad input: nobody, a member's bearer secret, a member's or the owner's browser
    session, or a staff session in the admin."""
    kind = request.param
    if kind == "anonymous":
        client = Client()
    elif kind == "member_bearer":
        client = Client(headers=bearer(world["secret"]))
    elif kind == "staff_session":
        client = with_csrf(request.getfixturevalue("admin_client"))
    else:
        client = Client()
        client.force_login(world["member" if kind == "member_session" else "owner"].user)
        with_csrf(client)
    client.raise_request_exception = False  # answer as in production: through handler500
    values = world["member_values" if kind in ("anonymous", "member_bearer", "member_session") else "owner_values"]
    return Caller(kind, client, values)


def server_errors(caller: Caller, requests) -> list[str]:
    """The requests answered with a 5xx; and whether the caller was still signed in (or its secret
    still worked) at the end, which a sweep that lost it halfway would not show otherwise."""
    failures = []
    for method, url, content_type, body in requests:
        response = caller.client.generic(method.upper(), url, body, content_type)
        if response.status_code >= 500:
            failures.append(f"{method.upper()} {url} {body[:60]!r} -> {response.status_code}")
    probe = "/admin/" if caller.kind == "staff_session" else "/api/v1/me"
    if caller.kind != "anonymous" and caller.client.get(probe).status_code != 200:
        failures.append(f"{caller.kind} was no longer signed in at the end")
    return failures


def swept(caller: Caller) -> list[Endpoint]:
    return [e for e in endpoints() if not (caller.signed_in and e.name in ENDS_THE_SESSION)]


SWEEP_CALLERS = ["anonymous", "member_bearer", "member_session", "owner_session", "staff_session"]


@pytest.mark.parametrize("caller", SWEEP_CALLERS, indirect=True)
def test_bad_text_in_any_path_parameter_is_never_a_server_error(caller):
    requests = [
        (method, endpoint.url(caller.values, **{parameter: value}), FORM, "")
        for endpoint in swept(caller)
        for parameter in endpoint.parameters
        for value in URL_VALUES
        for method in ("get", "post")
    ]
    assert server_errors(caller, requests) == []


@pytest.mark.parametrize("caller", SWEEP_CALLERS, indirect=True)
def test_bad_text_in_the_query_is_never_a_server_error(caller):
    requests = [
        (method, endpoint.url(caller.values) + "?" + "&".join(f"{name}={value}" for name in query_names()), FORM, "")
        for endpoint in swept(caller)
        for value in URL_VALUES
        for method in ("get", "post")
    ]
    assert server_errors(caller, requests) == []


@pytest.mark.parametrize("caller", SWEEP_CALLERS, indirect=True)
def test_bad_bodies_are_never_a_server_error(caller):
    """Every field the API, the OAuth endpoints and the forms know, set to NUL or a surrogate, and
    a deeply nested JSON body, to every URL."""
    requests = [
        (method, endpoint.url(caller.values), content_type, body)
        for endpoint in swept(caller)
        for method in endpoint.body_methods()
        for content_type, body in bad_bodies()
    ]
    assert server_errors(caller, requests) == []


def reads_the_body(caller: Caller, method: str, path: str) -> bool:
    """Whether the caller gets as far as the body: authentication (bearer only in the regional
    services) and the owner check come first."""
    if path == "/api/v1/credentials/report-leak":
        return True
    if path == "/api/v1/secret-scanning/github":
        return False  # GitHub's signature is checked before the body is read
    if caller.kind == "anonymous" or (caller.signed_in and path.startswith("/regional/")):
        return False
    return (method, path) != ("put", "/api/v1/account/credential-policies")


@pytest.mark.parametrize("caller", ["anonymous", "member_bearer", "member_session"], indirect=True)
def test_a_deeply_nested_json_body_is_a_400_that_says_so(caller):
    answers = {}
    for method, path in json_operations():
        response = caller.client.generic(method.upper(), path.format_map(caller.values), NESTED, JSON)
        answers[f"{method.upper()} {path}"] = (response.status_code, response.json().get("detail"))
    expected = {
        f"{method.upper()} {path}": (400, "JSON parse error - nested too deeply.")
        for method, path in json_operations()
        if reads_the_body(caller, method, path)
    }
    assert {operation: answers[operation] for operation in expected} == expected
    assert all(status in (401, 403) for operation, (status, _) in answers.items() if operation not in expected)


@pytest.mark.parametrize("caller", ["member_bearer"], indirect=True)
def test_a_nul_in_a_path_is_a_404(caller):
    base = "/regional/us-region-1/v1/cloudaccounts/{cloudaccount_id}".format_map(caller.values)
    for url in ("/api/v1/credentials/%00/", f"{base}/instances/name/%00", f"{base}/sshpublickeys/name/a%00b"):
        response = caller.client.get(url)
        assert (response.status_code, response.json()) == (404, {"detail": "Not found."}), url


@pytest.mark.parametrize("caller", ["member_session"], indirect=True)
def test_a_nul_in_a_portal_path_is_a_404_page(caller):
    response = caller.client.get("/settings/credentials/%00/usage/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("caller", ["member_session"], indirect=True)
def test_a_nul_in_the_portal_query_is_a_400_page(caller):
    response = caller.client.get("/settings/credentials/new/?successor=%00")
    assert response.status_code == 400 and response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("caller", ["member_bearer"], indirect=True)
def test_a_nul_in_an_api_query_is_a_400_that_says_so(caller):
    url = "/regional/us-region-1/v1/cloudaccounts/{cloudaccount_id}/instances?status=%00"
    response = caller.client.get(url.format_map(caller.values))
    assert response.status_code == 400
    assert response.json() == {"detail": "The query string must not contain NUL characters."}


def test_a_nul_in_an_oauth_query_is_an_rfc_6749_5_2_error(api):
    response = api.post("/oauth2/token?grant_type=%00", "grant_type=client_credentials", content_type=FORM)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"secret": "a\x00b"}, "secret"),
        ({"secret": "x", "source": ["ok", {"a": "\x00"}]}, "source[1].a"),
        ({"secret": "x", "\x00": "y"}, "a key of the body"),
    ],
)
def test_a_nul_in_a_json_string_is_a_400_that_names_where(api, body, where):
    response = api.post("/api/v1/credentials/report-leak", json.dumps(body), content_type=JSON)
    assert response.status_code == 400
    assert response.json() == {"detail": f"JSON parse error - NUL (\\u0000) is not allowed in strings, at {where}."}


@pytest.mark.parametrize("caller", ["member_bearer"], indirect=True)
def test_an_unpaired_surrogate_in_json_is_a_400_that_says_so(caller):
    """A field that repeats a wrong value in its error message (a choice) could not encode it as UTF-8."""
    body = '{"name": "ci-2", "allowed_ips_mode": "\\ud800"}'
    response = caller.client.post("/api/v1/credentials/", body, content_type=JSON)
    assert response.status_code == 400
    assert response.json() == {
        "detail": "JSON parse error - unpaired surrogates (\\ud800-\\udfff) are not allowed in strings, "
        "at allowed_ips_mode."
    }


def test_a_nul_in_the_session_cookie_is_not_an_outage(member):
    client = Client(raise_request_exception=False)
    client.cookies[settings.SESSION_COOKIE_NAME] = NUL * 32
    assert client.get("/settings/").status_code < 500


TOKEN = "/oauth2/token"
OAUTH_FIELDS = {
    TOKEN: ("client_id", "client_secret", "scope"),
    "/oauth2/revoke": ("client_id", "client_secret", "token"),
    "/oauth2/introspect": ("client_id", "client_secret", "token"),
}


@pytest.mark.parametrize("basic_auth", [False, True], ids=["form", "basic"])
@pytest.mark.parametrize(
    ("endpoint", "field"), [(endpoint, field) for endpoint, fields in OAUTH_FIELDS.items() for field in fields]
)
def test_the_oauth_endpoints_refuse_nul_without_a_server_error(member_credential, endpoint, field, basic_auth):
    """They parse their form bodies themselves, outside DRF's parser. The NUL ends an otherwise real value."""
    credential, secret = member_credential
    client = Client(raise_request_exception=False)
    token = get_token(client, credential.client_id, secret)["access_token"]
    params = {"grant_type": "client_credentials", "scope": "compute:read"} if endpoint == TOKEN else {"token": token}
    params |= {"client_id": credential.client_id, "client_secret": secret}
    params[field] += NUL
    headers = {}
    if basic_auth:
        headers["Authorization"] = basic(params.pop("client_id"), params.pop("client_secret"))
    response = client.post(endpoint, urlencode(params), content_type=FORM, headers=headers)
    assert response.status_code < 500 and response["Content-Type"] == JSON
    assert response.status_code == 200 or "error" in response.json()


def raised(error: Exception, path: str):
    try:
        raise error
    except type(error):
        return server_error(RequestFactory().get(path))


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (OperationalError("connection refused"), 503),
        (InterfaceError("connection already closed"), 503),
        (DataError("PostgreSQL text fields cannot contain NUL (0x00) bytes"), 400),
        (IntegrityError("duplicate key value violates unique constraint"), 500),
    ],
)
@pytest.mark.parametrize("path", ["/api/v1/me", "/settings/"])
def test_only_a_database_that_does_not_answer_is_an_outage(error, status, path):
    """503 tells clients to retry; a value the database refuses will be refused again."""
    response = raised(error, path)
    assert response.status_code == status
    assert ("Retry-After" in response) == (status == 503)
    assert b"Traceback" not in response.content


def test_a_value_the_database_refuses_at_the_token_endpoint_is_an_rfc_6749_5_2_error():
    response = raised(DataError("PostgreSQL text fields cannot contain NUL (0x00) bytes"), "/oauth2/token")
    assert response.status_code == 400
    assert json.loads(response.content)["error"] == "invalid_request"
