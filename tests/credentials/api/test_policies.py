"""The owner's policies through the management API."""


def test_policies_read_by_members_changed_by_the_owner_only(client, member, owner):
    url = "/api/v1/account/credential-policies"
    policy = {"credential_max_lifetime_days": 90, "disable_unused_credentials_after_days": 30}
    client.force_login(member.user)
    assert client.get(url).json() == {
        "credential_max_lifetime_days": None,
        "disable_unused_credentials_after_days": None,
    }
    refused = client.put(url, policy, "application/json")
    assert refused.status_code == 403
    assert "Only the account owner" in refused.json()["detail"]
    client.force_login(owner.user)
    assert client.put(url, policy, "application/json").json() == policy
    assert client.put(url, {**policy, "credential_max_lifetime_days": 0}, "application/json").status_code == 400
    owner.account.refresh_from_db()
    assert owner.account.credential_max_lifetime_days == 90
