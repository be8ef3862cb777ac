"""OpenAPI description of the whole API (drf-spectacular), including the OAuth endpoints.

Plain data only: importing drf-spectacular here would freeze its settings before these exist.
"""

ERROR = {
    "type": "object",
    "description": "`detail` says what went wrong; a 400 names each invalid field instead, with its messages.",
    "properties": {
        "detail": {"type": "string"},
        "code": {"type": "string", "description": "A machine-readable reason, where there is one."},
        "error": {"type": "string", "description": "RFC 6750 error code of a refused bearer token."},
        "error_description": {"type": "string"},
    },
    "additionalProperties": True,
}
ERROR_STATUSES = {
    "400": "The request is invalid; the body says which field and why.",
    "401": "No valid credentials (RFC 6750 challenge in WWW-Authenticate).",
    "403": "Authenticated, but not allowed: another account, a missing scope, or not the owner.",
    "404": "Not found, or not yours.",
    "405": "Method not allowed.",
    "409": "Conflicts with the current state: a limit, a quota, a name in use.",
    "415": "Unsupported media type: send JSON.",
    "429": "Too many attempts; see Retry-After.",
}
OAUTH_ERROR_STATUSES = {
    "400": "invalid_request, unsupported_grant_type or invalid_scope (RFC 6749 §5.2).",
    "401": "invalid_client; WWW-Authenticate names HTTP Basic.",
    "405": "Only POST.",
    "429": "Too many failed attempts; see Retry-After.",
}
CLIENT_FIELDS = {
    "client_id": {"type": "string", "description": "With client_secret_post, or naming the Basic client."},
    "client_secret": {"type": "string", "description": "Only with client_secret_post (not beside HTTP Basic)."},
}
TOKEN_FIELDS = {
    "token": {"type": "string"},
    "token_type_hint": {"type": "string", "description": "Accepted and ignored: the token's form says what it is."},
}
OAUTH_SCHEMAS = {
    "OAuthError": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {"type": "string"},
            "error_description": {"type": "string"},
            "detail": {"type": "string", "description": "The same text as error_description."},
        },
    },
    "TokenRequest": {
        "type": "object",
        "required": ["grant_type"],
        "properties": {
            "grant_type": {"type": "string", "enum": ["client_credentials"]},
            "scope": {
                "type": "string",
                "description": "Space-separated scopes within the credential's permissions (invalid_scope otherwise); "
                "omitted: all of them.",
            },
            **CLIENT_FIELDS,
        },
    },
    "TokenResponse": {
        "type": "object",
        "required": ["access_token", "token_type", "expires_in", "scope"],
        "properties": {
            "access_token": {"type": "string"},
            "token_type": {"type": "string", "enum": ["Bearer"]},
            "expires_in": {"type": "integer", "description": "Seconds; never past the credential's own expiry."},
            "scope": {"type": "string"},
        },
    },
    "TokenRevocationRequest": {
        "type": "object",
        "required": ["token"],
        "properties": {**TOKEN_FIELDS, **CLIENT_FIELDS},
    },
    "TokenRevocationResponse": {
        "type": "object",
        "description": "Always empty, whatever the token was.",
        "properties": {},
        "additionalProperties": False,
    },
    "TokenIntrospectionRequest": {
        "type": "object",
        "required": ["token"],
        "properties": {**TOKEN_FIELDS, **CLIENT_FIELDS},
    },
    "TokenIntrospectionResponse": {
        "type": "object",
        "description": "Inactive: `active` alone. Active: the token's claims too.",
        "required": ["active"],
        "properties": {
            "active": {"type": "boolean"},
            "token_type": {"type": "string", "enum": ["Bearer"]},
            "iss": {"type": "string"},
            "sub": {"type": "string", "description": "The client ID."},
            "aud": {
                "description": "The regional service, or each allowed region's service for a region-restricted "
                "credential.",
                "oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}],
            },
            "iat": {"type": "integer", "description": "Issued at, seconds since the epoch."},
            "exp": {"type": "integer", "description": "Expires at, seconds since the epoch."},
            "jti": {"type": "string"},
            "client_id": {"type": "string"},
            "cloud_account_id": {"type": "string"},
            "scope": {"type": "string", "description": "Space-separated scopes."},
            "email": {"type": "string", "description": "The email of the member the credential acts for."},
            "allowed_ips": {
                "type": "array",
                "items": {"type": "string"},
                "description": "Only for a credential restricted to source addresses: its CIDRs.",
            },
            "allowed_ips_mode": {
                "type": "string",
                "enum": ["enforce", "report"],
                "description": "With allowed_ips: whether other addresses are refused or only reported.",
            },
        },
    },
}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _form_operation(operation_id: str, summary: str, description: str, request: str, ok: str) -> dict:
    """A form-encoded OAuth endpoint: the client authenticates by HTTP Basic (client_secret_basic) or
    in the form (client_secret_post, hence the empty requirement), never with a bearer token."""
    errors = {
        code: {"description": text, "content": {"application/json": {"schema": _ref("OAuthError")}}}
        for code, text in OAUTH_ERROR_STATUSES.items()
    }
    return {
        "post": {
            "operationId": operation_id,
            "tags": ["oauth2"],
            "summary": summary,
            "description": description,
            "security": [{"basic": []}, {}],
            "requestBody": {
                "required": True,
                "content": {"application/x-www-form-urlencoded": {"schema": _ref(request)}},
            },
            "responses": {
                "200": {"description": "OK", "content": {"application/json": {"schema": _ref(ok)}}},
                **errors,
            },
        }
    }


OAUTH_PATHS = {
    "/oauth2/token": _form_operation(
        "oauth2_token",
        "Get an access token",
        "Client credentials grant (RFC 6749 §4.4): an access token for a credential, within its permissions.",
        "TokenRequest",
        "TokenResponse",
    ),
    "/oauth2/revoke": _form_operation(
        "oauth2_revoke",
        "Revoke an access token or a client secret",
        "Revoke an access token (RFC 7009), or the calling client's own client secret, which deletes the credential "
        "and its descendants as Delete does. Anything else is ignored; the answer is 200 either way.",
        "TokenRevocationRequest",
        "TokenRevocationResponse",
    ),
    "/oauth2/introspect": _form_operation(
        "oauth2_introspect",
        "Introspect a token",
        "RFC 7662, for resource servers holding a credential of the same account: another account's token, and "
        "one that is expired, revoked or of a disabled credential, is inactive.",
        "TokenIntrospectionRequest",
        "TokenIntrospectionResponse",
    ),
}
BASIC = {
    "type": "http",
    "scheme": "basic",
    "description": "client_secret_basic (RFC 6749 §2.3.1): the client ID and secret as user name and password.",
}


def add_error_responses(result, generator, request, public):
    """Document every error status the API answers, so clients and fuzzers know them."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR
    for path, operations in result.get("paths", {}).items():
        if path.startswith("/oauth2/"):
            continue
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for code, description in ERROR_STATUSES.items():
                responses.setdefault(
                    code,
                    {
                        "description": description,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                    },
                )
    return result


LOOKUPS = {"/id/{resource_id}": ("_by_id", " by ID"), "/name/{name}": ("_by_name", " by name")}


def name_lookup_operations(result, generator, request, public):
    """The regional detail views answer both by ID and by name: `get_instance` becomes
    `get_instance_by_id` and `get_instance_by_name`, one operation ID (and summary) each."""
    for path, operations in result["paths"].items():
        lookup = next((lookup for ending, lookup in LOOKUPS.items() if path.endswith(ending)), None)
        if lookup is None:
            continue
        for operation in operations.values():
            operation["operationId"] += lookup[0]
            operation["summary"] += lookup[1]
    return result


def declare_open_operations(result, generator, request, public):
    """An operation without authentication (report-leak) says so with `security: []`, rather than
    leaving readers and linters to guess."""
    for operations in result["paths"].values():
        for operation in operations.values():
            operation.setdefault("security", [])
    return result


SPECTACULAR_SETTINGS = {
    "TITLE": "Credentials as a Service API",
    "ENUM_NAME_OVERRIDES": {
        "CredentialStatusEnum": "credentials.models.Status",
        "InstanceStatusEnum": "regional.models.InstanceStatus",
        "PermissionEnum": "credentials.api.PERMISSION_CHOICES",
        "AllowedIpsModeEnum": "credentials.allowlist.MODES",
    },
    "DESCRIPTION": (
        "Manage your credentials, obtain OAuth 2.0 access tokens, and call the regional services. "
        "Send `Authorization: Bearer <client secret or access token>`. Credentials may be restricted to regions, "
        "expire, be limited to permissions (scopes) and to source addresses, and be disabled (by their member, an "
        "operator, or the owner's unused-credential policy); every such change, and deletion, takes effect on the "
        "next request. A bearer caller that creates a credential makes its child, never broader than itself "
        "(403 `broader_than_caller` otherwise), and manages only itself and its descendants. Client secrets match "
        "`caas_sk_[0-9A-Za-z]{49}` for secret scanners; report a found one at "
        "`POST /api/v1/credentials/report-leak`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # Deep links put a link inside each operation's toggle button (axe-core: nested-interactive).
    "SWAGGER_UI_SETTINGS": {"deepLinking": False},
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SERVERS": [{"url": "/", "description": "This server."}],
    "APPEND_PATHS": OAUTH_PATHS,
    "APPEND_COMPONENTS": {"securitySchemes": {"basic": BASIC}, "schemas": OAUTH_SCHEMAS},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.openapi.add_error_responses",
        "config.openapi.name_lookup_operations",
        "config.openapi.declare_open_operations",
    ],
}
