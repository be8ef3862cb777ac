"""RFC 7662 for client secrets: a secret is a bearer token too, so a resource server that is
handed one can ask the introspection endpoint what it may do, as it can for an access token."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from credentials import services
from credentials.models import Credential
from tests.credentials.helpers import basic, new_credential, post_form


def introspect(api, caller, caller_secret, token):
    return post_form(
        api, "/oauth2/introspect", {"token": token}, headers={"Authorization": basic(caller.client_id, caller_secret)}
    )


@pytest.fixture
def resource_server(owner):
    """(credential, secret) of another member of the same account: the caller of the introspection endpoint."""
    return new_credential(owner, name="resource-server")


def test_rfc_7662_section_2_2_an_active_secret_is_described_like_a_token(api, member, resource_server):
    """§2.2: active, with the client, its account and what it may do (the credential's permissions)."""
    credential, secret = new_credential(member, permissions=["compute:read", "credentials:read"])
    response = introspect(api, *resource_server, secret)
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["active"] is True and body["token_type"] == "Bearer"
    assert body["client_id"] == credential.client_id and body["sub"] == credential.client_id
    assert body["cloud_account_id"] == member.account.cloud_account_id
    assert body["scope"] == "compute:read credentials:read"
    assert body["iat"] == int(credential.created_at.timestamp()) and "exp" not in body


def test_rfc_7662_an_expiring_secret_says_when_it_expires(api, member, resource_server):
    credential, secret = new_credential(member, expires_in_days=30)
    body = introspect(api, *resource_server, secret).json()
    assert body["active"] is True and body["exp"] == int(credential.expires_at.timestamp())


def test_rfc_7662_a_secrets_audience_names_the_regions_it_may_be_used_in(api, member, resource_server, settings):
    """As in its access tokens (RFC 9068 `aud`): the whole regional service, or each allowed region's."""
    _, everywhere = new_credential(member, name="everywhere")
    _, one_region = new_credential(member, name="one-region", regions=["us-region-2"])
    assert introspect(api, *resource_server, everywhere).json()["aud"] == settings.OAUTH_AUDIENCE
    assert introspect(api, *resource_server, one_region).json()["aud"] == [f"{settings.OAUTH_AUDIENCE}/us-region-2"]


def test_rfc_7662_a_credential_can_introspect_its_own_secret(api, member_credential):
    credential, secret = member_credential
    assert introspect(api, credential, secret, secret).json()["client_id"] == credential.client_id


def active(response) -> bool:
    return response.json()["active"]


def test_rfc_7662_a_secret_of_another_account_is_inactive(api, outsider, resource_server):
    """Introspection answers only about the caller's own account: the secret's own account sees it active."""
    foreign, foreign_secret = new_credential(outsider, name="foreign")
    assert active(introspect(api, foreign, foreign_secret, foreign_secret))
    assert introspect(api, *resource_server, foreign_secret).json() == {"active": False}


def test_rfc_7662_a_secret_is_inactive_once_its_credential_is_disabled(api, member, member_credential, resource_server):
    credential, secret = member_credential
    assert active(introspect(api, *resource_server, secret))
    services.disable_credential(credential=credential, by=member.user, reason="paused")
    assert introspect(api, *resource_server, secret).json() == {"active": False}


def test_rfc_7662_a_secret_is_inactive_once_its_credential_has_expired(api, member, resource_server):
    _, secret = new_credential(member, expires_in_days=30)
    assert active(introspect(api, *resource_server, secret))
    with time_machine.travel(timezone.now() + timedelta(days=30, seconds=1)):
        assert introspect(api, *resource_server, secret).json() == {"active": False}


def test_rfc_7662_a_secret_is_inactive_once_its_credential_is_deleted(api, member_credential, resource_server):
    credential, secret = member_credential
    assert active(introspect(api, *resource_server, secret))
    Credential.objects.filter(pk=credential.pk).delete()
    assert introspect(api, *resource_server, secret).json() == {"active": False}


def test_rfc_7662_a_secret_is_inactive_once_revoked_through_rfc_7009(api, member_credential, resource_server):
    credential, secret = member_credential
    assert active(introspect(api, *resource_server, secret))
    post_form(api, "/oauth2/revoke", {"token": secret}, headers={"Authorization": basic(credential.client_id, secret)})
    assert introspect(api, *resource_server, secret).json() == {"active": False}


def test_rfc_7662_a_secret_is_inactive_once_its_user_is_deactivated(api, member, member_credential, resource_server):
    _, secret = member_credential
    assert active(introspect(api, *resource_server, secret))
    member.user.is_active = False
    member.user.save()
    assert introspect(api, *resource_server, secret).json() == {"active": False}
