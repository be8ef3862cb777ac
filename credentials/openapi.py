from drf_spectacular.extensions import OpenApiAuthenticationExtension

from credentials.authentication import needed_scope
from credentials.scopes import SCOPES


class BearerScheme(OpenApiAuthenticationExtension):
    """Two ways to one bearer token: OAuth 2.0 client credentials (so Swagger UI's Authorize and
    generated clients can fetch a token from a client ID and secret), or a client secret sent
    directly. Each operation names the scope it needs in its oauth2 requirement."""

    target_class = "credentials.authentication.BearerAuthentication"
    name = ["oauth2", "bearer"]

    def get_security_requirement(self, auto_schema):
        needed = needed_scope(auto_schema.view, auto_schema.method)
        return [{"oauth2": [needed] if needed else []}, {"bearer": []}]

    def get_security_definition(self, auto_schema):
        return [
            {
                "type": "oauth2",
                "description": (
                    "The client credentials grant (RFC 6749 §4.4): the credential's client ID and secret, by HTTP "
                    "Basic or in the form, for an access token carrying the scopes asked for (all of the "
                    "credential's permissions when none are)."
                ),
                "flows": {"clientCredentials": {"tokenUrl": "/oauth2/token", "scopes": SCOPES}},
            },
            {
                "type": "http",
                "scheme": "bearer",
                "description": (
                    "A client secret (caas_sk_...) or an access token from /oauth2/token. A disabled or expired "
                    "credential, and a credential restricted to other regions than the one in the path, get 401 "
                    'with `WWW-Authenticate: Bearer error="invalid_token"` and a description saying which. Access '
                    "tokens of a region-restricted credential name each allowed region's service in `aud` "
                    "(`<audience>/<region>`); others carry the whole regional service's audience."
                ),
            },
        ]
