"""Region restriction, expiry and disabling, as the services enforce them."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from credentials import services
from credentials.models import Credential


def test_regions_are_stored_sorted_and_unknown_ones_refused(member, regions):
    credential, _ = services.generate_credential(membership=member, name="a", regions=["us-region-2", "us-region-1"])
    assert credential.regions == ["us-region-1", "us-region-2"]
    with pytest.raises(ValidationError, match="Unknown region mars-1"):
        services.generate_credential(membership=member, name="b", regions=["mars-1"])
    assert Credential.objects.for_member(member).count() == 1


def test_owner_cap_limits_the_lifetime_a_member_may_choose(member, owner, regions):
    services.set_credential_policies(owner=owner, max_lifetime_days=60, disable_unused_after_days=None)
    member.account.refresh_from_db()
    assert [days for days, _ in services.expiry_choices(member.account)] == [30, 60]
    for refused in (None, 90, 365):
        with pytest.raises(ValidationError, match="at most 60 days"):
            services.generate_credential(membership=member, name="x", expires_in_days=refused)
    credential, _ = services.generate_credential(membership=member, name="x", expires_in_days=60)
    assert credential.expires_at - credential.created_at == timedelta(days=60)


def test_expired_credential_cannot_be_enabled(member, regions):
    credential, _ = services.generate_credential(membership=member, name="a", expires_in_days=30)
    services.disable_credential(credential=credential, by=member.user, reason="test")
    with time_machine.travel(timezone.now() + timedelta(days=31)), pytest.raises(ValidationError, match="expired"):
        services.enable_credential(membership=member, client_id=credential.client_id)
