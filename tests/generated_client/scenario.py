"""The API through a client generated from its own live schema (openapi-python-client), used as a
program would use it. tests/generated_client/run.py type-checks this file with mypy --strict against
the generated package, then runs it: an operation, field or type the schema gets wrong fails either
the check or a step here, and so does an answer with a field the schema does not name.

Needs CAAS_URL, CAAS_CLIENT_ID and CAAS_CLIENT_SECRET (a credential with every permission, made by
a person, alone in its account).
"""

import base64
import os
from typing import Any, TypeVar
from uuid import UUID

import attrs
from caas_client import AuthenticatedClient
from caas_client.api.credentials import list_credentials
from caas_client.api.me import get_me
from caas_client.api.oauth2 import oauth2_introspect, oauth2_revoke, oauth2_token
from caas_client.api.regional import (
    create_instance,
    create_ssh_public_key,
    delete_instance_by_id,
    delete_instance_by_name,
    delete_ssh_public_key_by_name,
    get_instance_by_id,
    get_instance_by_name,
    get_ssh_public_key_by_id,
    list_instance_types,
    list_instances,
    list_ssh_public_keys,
)
from caas_client.api.regions import list_regions
from caas_client.models import (
    AuthenticationEnum,
    CredentialOutput,
    Error,
    GrantTypeEnum,
    InstanceInputRequest,
    InstanceOutput,
    InstanceTypeOutput,
    MeOutput,
    PaginatedInstanceOutput,
    PaginatedSshKeyOutput,
    PermissionEnum,
    RegionOutput,
    SshKeyInputRequest,
    SshKeyOutput,
    TokenIntrospectionRequest,
    TokenIntrospectionResponse,
    TokenRequest,
    TokenResponse,
    TokenRevocationRequest,
    TokenRevocationResponse,
    TokenTypeEnum,
)
from caas_client.types import Response

T = TypeVar("T")
SSH_PUBLIC_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHC6ZOx76Dk7h4AkNk3i3rooGUo6G+AoEF1kxiYjhWsn genclient@ci"


def undocumented(value: object, where: str) -> list[str]:
    """Fields of an answer that its model does not declare (openapi-python-client keeps them aside
    in `additional_properties`). A model that declares none is a typed map, whose keys are data."""
    if isinstance(value, list):
        return [found for index, item in enumerate(value) for found in undocumented(item, f"{where}[{index}]")]
    kind = type(value)
    if not attrs.has(kind):
        return []
    declared = [field.name for field in attrs.fields(kind) if field.name != "additional_properties"]
    found = [f"{where}.{key}" for key in value.additional_properties] if declared else []  # type: ignore[attr-defined]
    for name in declared:
        found += undocumented(getattr(value, name), f"{where}.{name}")
    return found


def expect(response: Response[Any], status: int, model: type[T]) -> T:
    """The answer has this status and parses as this model, with nothing undocumented in it."""
    assert response.status_code == status, (response.status_code, response.content)
    assert isinstance(response.parsed, model), (model, response.parsed)
    extra = undocumented(response.parsed, model.__name__)
    assert not extra, f"not in the schema: {extra}"
    return response.parsed


def expect_list(response: Response[Any], model: type[T]) -> list[T]:
    assert response.status_code == 200, (response.status_code, response.content)
    items = response.parsed
    assert isinstance(items, list) and all(isinstance(item, model) for item in items), (model, items)
    extra = undocumented(items, model.__name__)
    assert not extra, f"not in the schema: {extra}"
    return items


def expect_no_content(response: Response[Any]) -> None:
    assert response.status_code == 204, (response.status_code, response.content)


def fetch_token(oauth: AuthenticatedClient) -> TokenResponse:
    """The client credentials grant, form-encoded, with the client authenticated by HTTP Basic."""
    answer = oauth2_token.sync_detailed(client=oauth, body=TokenRequest(grant_type=GrantTypeEnum.CLIENT_CREDENTIALS))
    token = expect(answer, 200, TokenResponse)
    assert token.token_type is TokenTypeEnum.BEARER and token.expires_in > 0
    return token


def who_am_i(api: AuthenticatedClient, client_id: str) -> str:
    me = expect(get_me.sync_detailed(client=api), 200, MeOutput)
    assert me.authentication is AuthenticationEnum.ACCESS_TOKEN
    assert me.credential is not None and me.credential.client_id == client_id
    assert set(me.scopes) == set(PermissionEnum)
    (mine,) = expect_list(list_credentials.sync_detailed(client=api), CredentialOutput)
    assert mine.client_id == client_id and mine.created_by is None  # made by a person: null
    return me.account.cloud_account_id


def ssh_keys(api: AuthenticatedClient, region: str, account: str) -> SshKeyOutput:
    body = SshKeyInputRequest(name="genclient", ssh_public_key=SSH_PUBLIC_KEY)
    key = expect(create_ssh_public_key.sync_detailed(region, account, client=api, body=body), 201, SshKeyOutput)
    page = expect(list_ssh_public_keys.sync_detailed(region, account, client=api, limit=1), 200, PaginatedSshKeyOutput)
    assert (page.count, [item.name for item in page.results], page.next_) == (1, ["genclient"], None)
    again = expect(
        get_ssh_public_key_by_id.sync_detailed(region, account, str(key.resource_id), client=api), 200, SshKeyOutput
    )
    assert again.fingerprint.startswith("SHA256:") and again.key_type == "ssh-ed25519"
    return key


def instances(api: AuthenticatedClient, region: str, account: str, key: SshKeyOutput) -> None:
    (flavour, *_) = expect_list(list_instance_types.sync_detailed(region, account, client=api), InstanceTypeOutput)
    made: list[UUID] = []
    for name in ("genclient-1", "genclient-2"):
        body = InstanceInputRequest(
            name=name, instance_type=flavour.name, machine_image="debian-12", ssh_public_key_names=[key.name]
        )
        made.append(
            expect(
                create_instance.sync_detailed(region, account, client=api, body=body), 201, InstanceOutput
            ).resource_id
        )
    first = expect(list_instances.sync_detailed(region, account, client=api, limit=1), 200, PaginatedInstanceOutput)
    assert first.count == 2 and first.previous is None and first.next_ is not None
    second = expect(
        list_instances.sync_detailed(region, account, client=api, limit=1, offset=1), 200, PaginatedInstanceOutput
    )
    assert second.next_ is None and second.previous is not None
    assert [item.resource_id for item in first.results + second.results] == made
    one = expect(get_instance_by_id.sync_detailed(region, account, str(made[0]), client=api), 200, InstanceOutput)
    assert one.ssh_public_key_names == [key.name] and one.region == region
    expect(get_instance_by_name.sync_detailed(region, account, "genclient-2", client=api), 200, InstanceOutput)
    expect_no_content(delete_instance_by_id.sync_detailed(region, account, str(made[0]), client=api))
    expect_no_content(delete_instance_by_name.sync_detailed(region, account, "genclient-2", client=api))
    empty = expect(list_instances.sync_detailed(region, account, client=api), 200, PaginatedInstanceOutput)
    assert (empty.count, empty.results) == (0, [])


def main() -> None:
    base_url, client_id = os.environ["CAAS_URL"], os.environ["CAAS_CLIENT_ID"]
    basic = base64.b64encode(f"{client_id}:{os.environ['CAAS_CLIENT_SECRET']}".encode()).decode()
    oauth = AuthenticatedClient(base_url=base_url, token=basic, prefix="Basic", raise_on_unexpected_status=True)
    token = fetch_token(oauth)
    api = AuthenticatedClient(base_url=base_url, token=token.access_token, raise_on_unexpected_status=True)
    account = who_am_i(api, client_id)
    introspection = oauth2_introspect.sync_detailed(
        client=oauth, body=TokenIntrospectionRequest(token=token.access_token)
    )
    active = expect(introspection, 200, TokenIntrospectionResponse)
    assert active.active and active.cloud_account_id == account and active.client_id == client_id

    region = expect_list(list_regions.sync_detailed(client=api), RegionOutput)[0].slug
    key = ssh_keys(api, region, account)
    instances(api, region, account, key)
    expect_no_content(delete_ssh_public_key_by_name.sync_detailed(region, account, key.name, client=api))

    revoked = oauth2_revoke.sync_detailed(client=oauth, body=TokenRevocationRequest(token=token.access_token))
    expect(revoked, 200, TokenRevocationResponse)
    expect(get_me.sync_detailed(client=api), 401, Error)
    print("generated client: token, me, regions, SSH keys and instances (paged), introspection, revocation: all typed")


if __name__ == "__main__":
    main()
