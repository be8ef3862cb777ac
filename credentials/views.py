from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts import access
from accounts.models import Membership


@require_GET
@access.member_required
def credentials_tab(request: HttpRequest, membership: Membership) -> HttpResponse:
    return render(request, "credentials/list.html", {"tab": "credentials", "membership": membership})
