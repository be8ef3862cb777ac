"""The portal side of least privilege: permissions per area and source-address allow-lists in the
generate form, lineage in the list, what was used on the usage page, the narrower successor, and
deletion of a credential together with those made with it."""

import re

import pytest
from django.urls import reverse
from django.utils.html import escape

from credentials import usage
from credentials.lineage import Ceiling
from credentials.models import Credential
from credentials.scopes import ALL_SCOPES, AREA_HELP, LEGACY_LABEL
from credentials.services import ROTATION_HELP, TAKES_EFFECT, generate_credential
from tests.credentials.helpers import generate_in_portal, nonce_from
from tests.credentials.portal.pages import row

LIST = reverse("credentials:list")
GENERATE = reverse("credentials:generate")
EVERYTHING = sorted(ALL_SCOPES)
NO_PERMISSION = "Give the credential at least one permission."
NARROWER_OFFER = "Generate a narrower successor"

pytestmark = pytest.mark.usefixtures("regions")


def checked(content: str, name: str) -> list[str]:
    """The values of the checked radio buttons or checkboxes called `name`."""
    return re.findall(rf'<input type="(?:radio|checkbox)" name="{name}" value="([^"]*)"[^>]*\bchecked\b', content)


def usage_url(credential) -> str:
    return reverse("credentials:usage", args=[credential.client_id])


def narrower_url(credential) -> str:
    return f"{GENERATE}?successor={credential.client_id}&narrower=1"


def used(credential, region="us-region-1", permission="compute:read") -> None:
    usage.record_request(credential.pk, region, permission)
    usage.flush()


def family(member):
    """A full-access parent and the child its bearer made, as the API would."""
    parent, _ = generate_credential(
        membership=member, name="deploy", permissions=EVERYTHING, allowed_ips=["203.0.113.0/24"]
    )
    child, _ = generate_credential(
        membership=member,
        name="deploy-child",
        permissions=["compute:read"],
        allowed_ips=["203.0.113.0/25"],
        ceiling=Ceiling(credential=parent, scopes=frozenset(parent.permissions)),
    )
    return parent, child


# The generate form -----------------------------------------------------------------------------


def test_the_form_offers_a_radio_group_per_area_with_the_documented_defaults(member_client):
    content = member_client.get(GENERATE).content.decode()
    assert "<legend>Compute</legend>" in content and "<legend>Credentials</legend>" in content
    for level, label in [("none", "None"), ("read", "Read"), ("write", "Read and write")]:
        assert re.search(rf'name="compute" value="{level}" id="(\w+)"[^>]*>\s*<label for="\1">{label}</label>', content)
    for lines in AREA_HELP.values():
        assert all(escape(line) in content for line in lines.values())
    assert checked(content, "compute") == ["write"]
    assert checked(content, "credentials") == ["none"]


def test_the_form_explains_allowed_source_addresses_and_both_modes(member_client):
    content = member_client.get(GENERATE).content.decode()
    assert re.search(r'<label for="id_allowed_ips">Allowed source addresses</label>\s*<textarea', content)
    assert "203.0.113.0/24" in content and "2001:db8::/32" in content
    assert "Leave empty to allow any address. At most 20." in content
    assert "<legend>When a request comes from another address</legend>" in content
    assert "Such a request is refused." in content
    assert "switch to Enforce without locking anyone out" in content
    assert checked(content, "allowed_ips_mode") == ["enforce"]


def test_a_read_only_credential_with_a_reported_allow_list_is_stored_and_shown(member_client, member):
    response = generate_in_portal(
        member_client,
        name="reader",
        compute="read",
        credentials="none",
        allowed_ips="203.0.113.0/24\n2001:DB8::/32, 198.51.100.7\n",
        allowed_ips_mode="report",
    )
    assert response.status_code == 200
    credential = Credential.objects.get(membership=member)
    assert credential.permissions == ["compute:read"]
    assert credential.allowed_ips == ["198.51.100.7/32", "203.0.113.0/24", "2001:db8::/32"]
    assert credential.allowed_ips_mode == "report"
    content = response.content.decode()
    assert "<dd>Compute: read</dd>" in content
    assert '198.51.100.7/32, 203.0.113.0/24, 2001:db8::/32 <span class="muted">(report only)</span>' in content


def test_without_addresses_a_credential_may_be_used_from_any_address(member_client, member):
    response = generate_in_portal(member_client, name="anywhere", compute="write", credentials="read")
    credential = Credential.objects.get(membership=member)
    assert credential.permissions == ["compute:read", "compute:write", "credentials:read"]
    assert credential.allowed_ips == [] and credential.allowed_ips_mode == "enforce"
    content = response.content.decode()
    assert "Compute: read and write<br>Credentials: read" in content and "Any address" in content


def test_no_permission_at_all_is_refused_with_a_message(member_client):
    response = generate_in_portal(member_client, name="useless", compute="none", credentials="none")
    assert response.status_code == 400
    content = response.content.decode()
    assert NO_PERMISSION in content
    assert checked(content, "compute") == ["none"] and checked(content, "credentials") == ["none"]
    assert not Credential.objects.exists()


@pytest.mark.parametrize(
    ("addresses", "message"),
    [
        ("203.0.113.0/24\nnot-an-address", "not-an-address is not an IPv4 or IPv6 address or CIDR range"),
        ("203.0.113.5/24", "203.0.113.5/24 has host bits set; write the network address, for example 203.0.113.0/24"),
        ("\n".join(f"198.51.100.{host}" for host in range(21)), "List at most 20 addresses or ranges."),
    ],
)
def test_a_bad_address_list_is_refused_with_a_clear_message(member_client, addresses, message):
    response = generate_in_portal(member_client, name="deploy", allowed_ips=addresses)
    assert response.status_code == 400
    content = response.content.decode()
    assert f'<strong class="error" role="alert">{message}' in content
    assert addresses.splitlines()[0] in content  # kept in the field, to correct it
    assert not Credential.objects.exists()


def test_an_unknown_level_is_refused(member_client):
    response = generate_in_portal(member_client, name="deploy", compute="admin")
    assert response.status_code == 400
    assert not Credential.objects.exists()


def test_a_successor_is_prefilled_with_its_predecessors_permissions_and_addresses(member_client, member):
    old, _ = generate_credential(
        membership=member,
        name="deploy",
        permissions=["compute:read", "credentials:read", "credentials:write"],
        allowed_ips=["2001:db8::/32", "203.0.113.0/24"],
        allowed_ips_mode="report",
    )
    content = member_client.get(f"{GENERATE}?successor={old.client_id}").content.decode()
    assert checked(content, "compute") == ["read"] and checked(content, "credentials") == ["write"]
    assert re.search(r"<textarea[^>]*>203.0.113.0/24\n2001:db8::/32</textarea>", content)
    assert checked(content, "allowed_ips_mode") == ["report"]


# The list and lineage --------------------------------------------------------------------------


def test_the_list_and_usage_page_show_permissions_addresses_and_who_made_a_child(client, owner, member):
    parent, child = family(member)
    for who in (member, owner):
        client.force_login(who.user)
        content = client.get(LIST).content.decode()
        mine = row(content, "deploy")
        assert "Compute: read and write<br>Credentials: read and write" in mine
        assert 'From 203.0.113.0/24 <span class="muted">(enforced)</span>' in mine
        assert "created by" not in mine
        theirs = row(content, "deploy-child")
        made_by = f'created by deploy (<code class="client-id" title="{parent.client_id}">{parent.client_id[:8]}…'
        assert made_by in theirs
        assert "Compute: read<br>" in theirs and "Credentials" not in theirs
        assert "203.0.113.0/25" in theirs
        assert f"<dd>{made_by}" in client.get(usage_url(child)).content.decode()


def test_a_credential_without_addresses_says_any_address_in_the_list(member_client, member):
    generate_credential(membership=member, name="deploy")
    assert "Any address" in row(member_client.get(LIST).content.decode(), "deploy")


def test_a_credential_made_before_permissions_shows_full_access(member_client, member):
    credential, _ = generate_credential(membership=member, name="old-timer")
    Credential.objects.filter(pk=credential.pk).update(predates_permissions=True, permissions=EVERYTHING)
    mine = row(member_client.get(LIST).content.decode(), "old-timer")
    assert LEGACY_LABEL in mine
    assert "Compute: read and write" not in mine
    assert LEGACY_LABEL in member_client.get(usage_url(credential)).content.decode()


def test_deleting_a_parent_in_the_portal_says_the_child_went_too(member_client, member):
    parent, child = family(member)
    url = reverse("credentials:delete", args=[parent.client_id])
    response = member_client.post(url, {"name": "deploy"}, follow=True)
    content = response.content.decode()
    assert f"Credential deploy was deleted, and 1 credential made with it. {TAKES_EFFECT}" in content
    assert not Credential.objects.filter(pk__in=[parent.pk, child.pk]).exists()


def test_disabling_a_parent_in_the_portal_says_the_child_was_disabled_too(member_client, member):
    parent, child = family(member)
    response = member_client.post(reverse("credentials:disable", args=[parent.client_id]), follow=True)
    assert "Credential deploy was disabled, and 1 credential made with it." in response.content.decode()
    child.refresh_from_db()
    assert child.disabled_at is not None


def test_disabling_a_disabled_parent_again_disables_a_child_enabled_meanwhile(member_client, member):
    parent, child = family(member)
    disable = reverse("credentials:disable", args=[parent.client_id])
    member_client.post(disable)
    member_client.post(reverse("credentials:enable", args=[child.client_id]))
    response = member_client.post(disable, follow=True)
    content = response.content.decode()
    assert "Credential deploy was already disabled; 1 credential made with it was disabled now." in content
    child.refresh_from_db()
    assert child.disabled_at is not None


def test_revoking_a_parent_says_the_child_went_too(owner_client, member):
    parent, _child = family(member)
    response = owner_client.post(reverse("credentials:revoke", args=[parent.client_id]), follow=True)
    assert "was revoked, and 1 credential made with it." in response.content.decode()
    assert not Credential.objects.exists()


# Usage and the narrower successor --------------------------------------------------------------


def test_the_usage_page_shows_permissions_and_addresses(member_client, member):
    credential, _ = generate_credential(
        membership=member, name="deploy", permissions=["compute:read"], allowed_ips=["203.0.113.0/24"]
    )
    content = member_client.get(usage_url(credential)).content.decode()
    assert "<dt>Permissions</dt>\n    <dd>Compute: read</dd>" in content
    assert '<dd>203.0.113.0/24 <span class="muted">(enforced)</span></dd>' in content


def test_the_usage_page_lists_what_was_used_and_offers_a_narrower_successor(member_client, member):
    credential, _ = generate_credential(membership=member, name="deploy")
    used(credential)
    content = member_client.get(usage_url(credential)).content.decode()
    section = content[content.index("Used in the last 30 days") :]
    assert re.search(
        r"<th scope=\"row\">Permissions</th>\s*<td>Compute: read and write</td>\s*<td>Compute: read</td>", section
    )
    assert re.search(r"<th scope=\"row\">Regions</th>\s*<td>All regions\s*</td>\s*<td>us-region-1</td>", section)
    assert f'href="{narrower_url(credential).replace("&", "&amp;")}">{NARROWER_OFFER}</a>' in section
    assert "<strong>deploy-v2</strong>" in section
    assert "<code>compute:write</code>" in section and "us-region-2" in section
    assert ROTATION_HELP in section


@pytest.mark.parametrize("usage_recorded", [True, False])
def test_no_narrower_successor_is_offered_when_nothing_granted_went_unused(member_client, member, usage_recorded):
    credential, _ = generate_credential(
        membership=member, name="deploy", permissions=["compute:read"], regions=["us-region-1"]
    )
    if usage_recorded:
        used(credential)
    content = member_client.get(usage_url(credential)).content.decode()
    assert NARROWER_OFFER not in content
    assert ("nothing to narrow" in content) is usage_recorded


def test_the_narrower_successor_page_is_prefilled_with_only_what_was_used(member_client, member):
    old, _ = generate_credential(
        membership=member,
        name="deploy",
        permissions=["compute:read", "compute:write", "credentials:read"],
        expires_in_days=90,
        allowed_ips=["203.0.113.0/24"],
        allowed_ips_mode="report",
    )
    used(old)
    response = member_client.get(narrower_url(old))
    content = response.content.decode()
    assert response.status_code == 200
    assert "<h2>Generate a narrower successor to deploy</h2>" in content
    assert "<code>compute:write</code>, <code>credentials:read</code>" in content
    left_out = re.search(r"<code>credentials:read</code>; the regions? ([^<.]*)\.", content).group(1)
    assert "us-region-2" in left_out and "us-region-1" not in left_out and ROTATION_HELP in content
    assert 'value="deploy-v2"' in content
    assert checked(content, "compute") == ["read"] and checked(content, "credentials") == ["none"]
    assert checked(content, "regions") == ["us-region-1"]
    assert re.search(r"<textarea[^>]*>203.0.113.0/24</textarea>", content)
    assert checked(content, "allowed_ips_mode") == ["report"]
    assert 'action="/settings/credentials/new/?successor=' in content and "&amp;narrower=1" in content

    fields = {"name": "deploy-v2", "compute": "read", "credentials": "none", "regions": ["us-region-1"]}
    fields.update(expires_in_days="90", allowed_ips="203.0.113.0/24", allowed_ips_mode="report")
    assert member_client.post(narrower_url(old), {"nonce": nonce_from(response), **fields}).status_code == 200
    new = Credential.objects.get(name="deploy-v2")
    assert new.permissions == ["compute:read"] and new.regions == ["us-region-1"]
    assert new.allowed_ips == ["203.0.113.0/24"] and new.allowed_ips_mode == "report"
    assert Credential.objects.filter(pk=old.pk).exists()


def test_asking_for_a_narrower_successor_with_nothing_to_drop_gives_the_plain_successor(member_client, member):
    old, _ = generate_credential(membership=member, name="deploy")
    content = member_client.get(narrower_url(old)).content.decode()
    assert "<h2>Generate a successor to deploy</h2>" in content
    assert checked(content, "compute") == ["write"]


def test_the_owner_viewing_a_members_usage_gets_no_narrower_offer(client, owner, member):
    credential, _ = generate_credential(membership=member, name="deploy")
    used(credential)
    client.force_login(member.user)
    assert NARROWER_OFFER in client.get(usage_url(credential)).content.decode()
    client.force_login(owner.user)
    content = client.get(usage_url(credential)).content.decode()
    assert "Used in the last 30 days" in content and "Compute: read" in content
    assert NARROWER_OFFER not in content
    assert client.get(narrower_url(credential)).status_code == 404
