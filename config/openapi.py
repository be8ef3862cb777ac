"""OpenAPI description of the whole API (drf-spectacular), including the OAuth endpoints.

Plain data only: importing drf-spectacular here would freeze its settings before these exist.
"""

ERROR = {
    "type": "object",
    "properties": {
        "detail": {"type": "string"},
        "error": {"type": "string"},
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
OAUTH_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "string"}, "error_description": {"type": "string"}},
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


def _form_operation(operation_id: str, summary: str, properties: dict, required: list[str], ok: dict) -> dict:
    errors = {
        code: {"description": text, "content": {"application/json": {"schema": OAUTH_ERROR}}}
        for code, text in [
            ("400", "invalid_request, unsupported_grant_type or invalid_scope (RFC 6749 §5.2)."),
            ("401", "invalid_client."),
            ("405", "Only POST."),
            ("429", "Too many failed attempts; see Retry-After."),
        ]
    }
    return {
        "post": {
            "operationId": operation_id,
            "tags": ["oauth2"],
            "summary": summary,
            "security": [{"basic": []}, {}],
            "requestBody": {
                "required": True,
                "content": {
                    "application/x-www-form-urlencoded": {
                        "schema": {"type": "object", "properties": properties, "required": required}
                    }
                },
            },
            "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": ok}}}, **errors},
        }
    }


CLIENT_FIELDS = {
    "client_id": {"type": "string", "description": "With client_secret_post, or naming the Basic client."},
    "client_secret": {"type": "string", "description": "Only with client_secret_post."},
}
OAUTH_PATHS = {
    "/oauth2/token": _form_operation(
        "oauth2_token",
        "Client credentials grant (RFC 6749 §4.4): an access token for a credential, within its permissions.",
        {
            "grant_type": {"type": "string", "enum": ["client_credentials"]},
            "scope": {
                "type": "string",
                "description": "Space-separated scopes within the credential's permissions (invalid_scope otherwise); "
                "omitted: all of them.",
            },
            **CLIENT_FIELDS,
        },
        ["grant_type"],
        {
            "type": "object",
            "required": ["access_token", "token_type", "expires_in", "scope"],
            "properties": {
                "access_token": {"type": "string"},
                "token_type": {"type": "string", "enum": ["Bearer"]},
                "expires_in": {
                    "type": "integer",
                    "description": "Seconds; never past the credential's own expiry.",
                },
                "scope": {"type": "string"},
            },
        },
    ),
    "/oauth2/revoke": _form_operation(
        "oauth2_revoke",
        "Revoke an access token (RFC 7009), or the calling client's own client secret, which deletes the credential "
        "and its descendants as Delete does. Anything else is ignored; the answer is 200 either way.",
        {"token": {"type": "string"}, "token_type_hint": {"type": "string"}, **CLIENT_FIELDS},
        ["token"],
        {"type": "object"},
    ),
    "/oauth2/introspect": _form_operation(
        "oauth2_introspect",
        "Introspect an access token (RFC 7662).",
        {"token": {"type": "string"}, "token_type_hint": {"type": "string"}, **CLIENT_FIELDS},
        ["token"],
        {"type": "object", "required": ["active"], "properties": {"active": {"type": "boolean"}}},
    ),
}

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
    "REDOC_DIST": "SIDECAR",
    "APPEND_PATHS": OAUTH_PATHS,
    "APPEND_COMPONENTS": {"securitySchemes": {"basic": {"type": "http", "scheme": "basic"}}},
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "config.openapi.add_error_responses"],
}
