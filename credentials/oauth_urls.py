from django.urls import path

from credentials import oauth

urlpatterns = [
    path("oauth2/token", oauth.token, name="oauth-token"),
    path("oauth2/revoke", oauth.revoke, name="oauth-revoke"),
    path("oauth2/introspect", oauth.introspect, name="oauth-introspect"),
    path(".well-known/oauth-authorization-server", oauth.metadata, name="oauth-metadata"),
    path(".well-known/jwks.json", oauth.jwks, name="jwks"),
]
