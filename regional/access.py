"""Finding a region, and a resource of the caller's account in it, or answering 404."""

import uuid

from django.http import Http404

from regional.models import Region


def enabled_region_or_404(slug: str) -> Region:
    try:
        return Region.objects.get(slug=slug, enabled=True)
    except Region.DoesNotExist:
        raise Http404(f"There is no region {slug}.") from None


def resource_or_404(
    model, cloud_account_id: str, region: Region, *, resource_id: str | None = None, name: str | None = None
):
    resources = model.objects.in_scope(cloud_account_id, region)
    if resource_id is not None:
        try:
            resources = resources.filter(resource_id=uuid.UUID(resource_id))
        except ValueError:
            raise Http404("No such resource.") from None
    else:
        resources = resources.filter(name=name)
    found = resources.first()
    if found is None:
        raise Http404(f"No such {model._meta.verbose_name} in {region.slug}.")
    return found
