"""Region keys: issued once by `manage.py issue_region_key`, kept as a digest, rotatable, listed in
the admin under their region, and each speaking for its own region only (region_keys.py)."""

import io
import time
from datetime import timedelta

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from credentials import keys
from credentials.federation import region_keys
from credentials.models import CredentialFailure, CredentialUsage, RegionKey
from tests.credentials.federation.helpers import as_region, send_report
from tests.credentials.helpers import new_credential

FEED = "/internal/v1/revocations"


def issue(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("issue_region_key", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def works(api, key: str) -> bool:
    status = api.get(FEED, headers=as_region(key)).status_code
    assert status in (200, 401)
    return status == 200


def test_the_command_prints_the_key_once_and_nothing_else_on_stdout(api, regions):
    out, err = issue("us-region-1")
    value = out.strip()
    assert out == value + "\n"
    assert region_keys.PATTERN.fullmatch(value)
    assert value not in err and "shown once" in err
    key = RegionKey.objects.get()
    assert key.region == regions[0]
    assert key.hint in err and value.endswith(key.hint)
    assert works(api, value)


def test_only_the_digest_and_the_hint_are_stored(regions):
    out, _ = issue("us-region-1")
    value = out.strip()
    key = RegionKey.objects.get()
    assert key.digest == keys.digest(value) and key.hint == value[-keys.HINT_LENGTH :]
    dump = io.StringIO()
    call_command("dumpdata", stdout=dump)
    assert key.digest in dump.getvalue()
    assert value not in dump.getvalue() and value[len(region_keys.PREFIX) :] not in dump.getvalue()


def test_each_key_is_new(regions):
    first, second = issue("us-region-1")[0], issue("us-region-1")[0]
    assert first != second
    assert RegionKey.objects.filter(region=regions[0]).count() == 2


def test_replace_removes_the_region_s_older_keys_only(api, regions):
    old = issue("us-region-1")[0].strip()
    other = issue("us-region-2")[0].strip()
    new = issue("us-region-1", "--replace")[0].strip()
    assert not works(api, old)
    assert works(api, new) and works(api, other)
    assert RegionKey.objects.filter(region=regions[0]).count() == 1


def test_an_unknown_region_is_an_error_that_lists_the_regions(regions):
    with pytest.raises(CommandError) as error:
        issue("eu-nowhere-9")
    assert "eu-nowhere-9" in str(error.value)
    assert "us-region-1, us-region-2, us-region-3" in str(error.value)
    assert not RegionKey.objects.exists()


def test_two_keys_of_a_region_both_work_until_one_is_deleted(api, regions):
    key, value = region_keys.issue_region_key(regions[0])
    _, other_value = region_keys.issue_region_key(regions[0])
    assert works(api, value) and works(api, other_value)
    key.delete()
    assert not works(api, value) and works(api, other_value)


def test_a_key_reports_to_its_own_region_whatever_the_report_claims(api, member, regions):
    credential, _ = new_credential(member)
    _, value = region_keys.issue_region_key(regions[1])
    now = time.time()
    report = {
        "region": "us-region-1",
        "usage": [[credential.client_id, now, "compute:read", 2, 0]],
        "failures": [[credential.client_id, now, None, "Refused at the region."]],
        "last_used": [[credential.client_id, now, None]],
    }
    assert send_report(api, value, report).status_code == 200
    assert list(CredentialUsage.objects.values_list("region", flat=True)) == ["us-region-2"]
    assert list(CredentialFailure.objects.values_list("region", flat=True)) == ["us-region-2"]
    credential.refresh_from_db()
    assert credential.last_used_region == "us-region-2"


def test_last_used_is_written_at_most_once_a_minute(api, regions):
    key, value = region_keys.issue_region_key(regions[0])
    start = timezone.now().replace(microsecond=0)
    with time_machine.travel(start, tick=False):
        assert works(api, value)
    key.refresh_from_db()
    assert key.last_used_at == start
    with time_machine.travel(start + timedelta(seconds=59), tick=False):
        assert works(api, value)
    key.refresh_from_db()
    assert key.last_used_at == start
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        assert works(api, value)
    key.refresh_from_db()
    assert key.last_used_at == start + timedelta(seconds=61)


def test_a_wrong_key_touches_no_key(api, regions):
    key, value = region_keys.issue_region_key(regions[0])
    assert not works(api, value[:-1] + ("A" if value[-1] != "A" else "B"))
    key.refresh_from_db()
    assert key.last_used_at is None


def test_the_region_s_admin_page_lists_its_keys_and_cannot_add_one(admin_client, api, regions):
    used, used_value = region_keys.issue_region_key(regions[0])
    unused, unused_value = region_keys.issue_region_key(regions[0])
    elsewhere, _ = region_keys.issue_region_key(regions[1])
    assert works(api, used_value)
    used.refresh_from_db()
    response = admin_client.get(reverse("admin:regional_region_change", args=[regions[0].pk]))
    assert response.status_code == 200
    content = response.content.decode()
    assert "region keys" in content.lower()
    assert used.hint in content and unused.hint in content and elsewhere.hint not in content
    assert "Created at" in content and "Last used at" in content
    assert "Add another region key" not in content
    assert used_value not in content and unused_value not in content
    assert used.digest not in content and unused.digest not in content
    formset = response.context["inline_admin_formsets"]
    (keys_inline,) = [inline for inline in formset if inline.formset.model is RegionKey]
    assert keys_inline.has_add_permission is False
    rows = {form.instance.hint: form.instance for form in keys_inline.formset.forms}
    assert rows[used.hint].last_used_at is not None and rows[unused.hint].last_used_at is None
