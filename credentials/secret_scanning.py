"""GitHub's secret-scanning partner protocol: its endpoint, and whether a report is GitHub's.

GitHub posts the secrets it found in public, up to 1,000 at a time, and wants to hear within
30 s which were ours; those are revoked as a leak report is (credentials/leaks.py).

GitHub signs the raw body (ECDSA P-256 over SHA-256, base64 DER) and names its key in a header;
its public keys are published at SECRET_SCANNING_GITHUB_KEYS_URL. We keep them in the shared
cache for hours, and fetch them again when a report names a key we do not have, since that is
how a rotation shows. Fetches happen at most once a minute across every process, wanted or not:
made-up identifiers cannot make us hammer GitHub, whose API allows an unauthenticated caller 60
requests an hour. Like every limit here, that one lets requests through while the cache is down.
"""

import base64
import functools
import json
import logging
import math
import time
import urllib.request
from http.client import HTTPException

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from django.conf import settings
from django.core.cache import cache
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ParseError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.audit import AuditContext
from config.logs import security_event
from config.parsers import refused_string
from credentials import leaks, throttling
from credentials.api import AcceptedThenProcess

logger = logging.getLogger(__name__)

SECRET_TYPE = "caas_client_secret"  # noqa: S105 (the name GitHub knows our secrets by)
MAX_MATCHES = 1000  # what GitHub sends at most in one request
KEY_ID_HEADER = "Github-Public-Key-Identifier"
SIGNATURE_HEADER = "Github-Public-Key-Signature"
KEYS_CACHE_KEY = "secret_scanning:github:keys"
KEYS_CACHE_SECONDS = 3 * 3600  # how long a key GitHub withdrew is still trusted
FETCH_INTERVAL_SECONDS = 60
FETCH_TIMEOUT_SECONDS = 3  # GitHub gives the whole answer 30 s
MAX_KEYS_BYTES = 1_000_000


class Refused(Exception):
    """Not signed by GitHub: headers missing, a key GitHub does not publish, or a wrong signature."""


class KeysUnavailable(Exception):
    """GitHub's keys could not be had, so no signature can be checked now; `retry_after` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__("GitHub's secret-scanning public keys are unavailable.")
        self.retry_after = retry_after


def verify(*, body: bytes, key_id: str | None, signature: str | None) -> None:
    """Return if GitHub's key `key_id` signed `body`; raise Refused or KeysUnavailable otherwise."""
    if not key_id or not signature:
        raise Refused(f"The {KEY_ID_HEADER} and {SIGNATURE_HEADER} headers are required.")
    try:
        der = base64.b64decode(signature, validate=True)
        decode_dss_signature(der)  # garbage is refused here, before it can cost a fetch
    except ValueError:
        raise Refused(f"{SIGNATURE_HEADER} is not a base64 DER ECDSA signature.") from None
    key = _load(_pem(key_id))
    if key is None:  # _fetch keeps only usable keys
        raise Refused("GitHub publishes no usable key with this identifier.")
    try:
        key.verify(der, body, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise Refused("The signature does not match the body.") from None


def _pem(key_id: str) -> str:
    """The PEM of `key_id`: from the cache, or from GitHub when this minute's one fetch is still to be made."""
    keys = cache.get(KEYS_CACHE_KEY)
    if keys is None or key_id not in keys:
        window, elapsed = divmod(time.time(), FETCH_INTERVAL_SECONDS)
        wait = math.ceil(FETCH_INTERVAL_SECONDS - elapsed)
        if throttling.count(f"secret_scanning:github:fetch:{int(window)}", 1, FETCH_INTERVAL_SECONDS + 1) == 1:
            keys = _fetch(retry_after=wait)
            cache.set(KEYS_CACHE_KEY, keys, KEYS_CACHE_SECONDS)
        elif keys is None:
            raise KeysUnavailable(wait)
    if key_id not in keys:
        raise Refused("GitHub publishes no key with this identifier.")
    return keys[key_id]


def _fetch(*, retry_after: int) -> dict[str, str]:
    """Identifier -> PEM of every usable key GitHub lists, current or not: a report signed just
    before a rotation still arrives signed with the previous key."""
    url = settings.SECRET_SCANNING_GITHUB_KEYS_URL
    try:
        if not url.startswith(("https://", "http://")):
            raise ValueError("SECRET_SCANNING_GITHUB_KEYS_URL is not an http(s) URL")
        request = urllib.request.Request(url, headers={"Accept": "application/json"})  # noqa: S310 (scheme checked)
        with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT_SECONDS) as response:  # noqa: S310
            listed = json.loads(response.read(MAX_KEYS_BYTES))["public_keys"]
        return {
            entry["key_identifier"]: entry["key"]
            for entry in listed
            if isinstance(entry["key_identifier"], str) and isinstance(entry["key"], str) and _load(entry["key"])
        }
    except (OSError, HTTPException, ValueError, LookupError, TypeError) as error:
        logger.warning("GitHub's secret-scanning keys could not be fetched from %s: %r", url, error)
        raise KeysUnavailable(retry_after) from None


@functools.lru_cache(maxsize=16)
def _load(pem: str) -> ec.EllipticCurvePublicKey | None:
    """A P-256 public key, or None for anything else GitHub might list (no other curve is in the protocol)."""
    try:
        key = serialization.load_pem_public_key(pem.encode())
    except (ValueError, UnsupportedAlgorithm):
        return None
    return key if isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1) else None


class SecretScanningMatchInput(serializers.Serializer):
    token = serializers.CharField(allow_blank=True, trim_whitespace=False, help_text="What GitHub found.")
    type = serializers.CharField(
        allow_blank=True, trim_whitespace=False, help_text=f"The secret type it matched: {SECRET_TYPE}."
    )
    url = serializers.CharField(allow_blank=True, help_text="The public page it was found on.")
    source = serializers.CharField(  # type: ignore[assignment]  # a declared field, not Field.source
        required=False, allow_blank=True, help_text="content, commit, gist, npm, ... (older payloads omit it)."
    )


class SecretScanningLabelOutput(serializers.Serializer):
    token_hash = serializers.CharField(help_text="SHA-256 of the token, in hex.")
    token_type = serializers.CharField(help_text="The type GitHub sent.")
    label = serializers.ChoiceField(  # type: ignore[assignment]  # a declared field, not Field.label
        choices=["true_positive", "false_positive"], help_text="true_positive: it was ours, and is now revoked."
    )


class SecretScanningRefusalOutput(serializers.Serializer):
    detail = serializers.CharField()


def _unless_signed(request: Request) -> Response | None:
    """None when GitHub signed the body; else the answer: 401, or 503 while its keys are out of reach."""
    try:
        verify(
            body=request.body,
            key_id=request.headers.get(KEY_ID_HEADER),
            signature=request.headers.get(SIGNATURE_HEADER),
        )
    except Refused as error:
        security_event(request, "secret_scanning.refused", reason=str(error))
        headers = {"WWW-Authenticate": f'{SIGNATURE_HEADER} realm="{settings.BEARER_REALM}"'}
        return Response({"detail": str(error)}, status=status.HTTP_401_UNAUTHORIZED, headers=headers)
    except KeysUnavailable as error:
        body = {"detail": "GitHub's secret-scanning public keys cannot be fetched now. Try again later."}
        headers = {"Retry-After": str(error.retry_after)}
        return Response(body, status=status.HTTP_503_SERVICE_UNAVAILABLE, headers=headers)
    return None


def _signed_json(body: bytes) -> object:
    """The very bytes whose signature was checked, whatever Content-Type says."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        raise ParseError("The body is not JSON.") from None
    if problem := refused_string(data):
        raise ParseError(f"JSON parse error - {problem}.")
    return data


class GitHubSecretScanning(APIView):
    """GitHub's signature is the authentication: no bearer, no session, no CSRF, and no throttle
    (a signature cannot be guessed, and counting refusals would lock GitHub out during a rotation)."""

    authentication_classes: list = []
    permission_classes: list = []

    @extend_schema(
        operation_id="github_secret_scanning",
        summary="GitHub secret scanning: secrets found in public",
        description=f"GitHub's secret-scanning partner protocol, for GitHub only: up to {MAX_MATCHES} matches of "
        f"type {SECRET_TYPE}, signed by one of GitHub's secret-scanning keys. Every match that is one of our client "
        "secrets is revoked, as a leak report is.",
        parameters=[
            OpenApiParameter(KEY_ID_HEADER, str, OpenApiParameter.HEADER, required=True, description="GitHub's key."),
            OpenApiParameter(
                SIGNATURE_HEADER,
                str,
                OpenApiParameter.HEADER,
                required=True,
                description="Base64 DER ECDSA P-256 signature over SHA-256 of the raw body.",
            ),
        ],
        request=SecretScanningMatchInput(many=True),
        responses={
            200: SecretScanningLabelOutput(many=True),
            401: OpenApiResponse(
                SecretScanningRefusalOutput, description="Not signed by GitHub: nothing was looked at."
            ),
            503: OpenApiResponse(
                SecretScanningRefusalOutput, description="GitHub's public keys cannot be fetched; see Retry-After."
            ),
        },
    )
    def post(self, request: Request) -> Response:
        if (refusal := _unless_signed(request)) is not None:
            return refusal
        matches = SecretScanningMatchInput(data=_signed_json(request.body), many=True, max_length=MAX_MATCHES)  # type: ignore[call-arg]  # a ListSerializer argument
        matches.is_valid(raise_exception=True)
        found = [(match["token"], match["url"]) for match in matches.validated_data]
        reports, ours = leaks.record_found_secrets(found=found, context=AuditContext.from_request(request))
        labels = [
            {
                "token_hash": report.secret_digest,
                "token_type": match["type"],
                "label": "true_positive" if report.secret_digest in ours else "false_positive",
            }
            for report, match in zip(reports, matches.validated_data, strict=True)
        ]
        pending = [report.pk for report in reports if report.secret_digest in ours]
        return AcceptedThenProcess(labels, after=lambda: _process(pending), code=status.HTTP_200_OK)


def _process(report_ids: list[int]) -> None:
    for report_id in report_ids:
        leaks.process_leak_report(report_id)
