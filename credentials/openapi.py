from drf_spectacular.extensions import OpenApiAuthenticationExtension


class BearerScheme(OpenApiAuthenticationExtension):
    target_class = "credentials.authentication.BearerAuthentication"
    name = "bearer"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": (
                "A client secret (caas_sk_...) or an access token from /oauth2/token. A disabled or expired "
                "credential, and a credential restricted to other regions than the one in the path, get 401 "
                'with `WWW-Authenticate: Bearer error="invalid_token"` and a description saying which. Access '
                "tokens of a region-restricted credential name each allowed region's service in `aud` "
                "(`<audience>/<region>`); others carry the whole regional service's audience."
            ),
        }
