"""Login through the region's identity provider with OpenID Connect (authorization code flow
with PKCE). Authlib speaks the protocol: discovery, state, PKCE, nonce, and the id token's
signature, issuer, audience and lifetime. This module decides who gets in: a user an
administrator created, matched by HSA-id, active, with a current medarbetaruppdrag. Nobody gets
an account just because the identity provider knows them."""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse

from accounts import selectors
from accounts.models import User

log = logging.getLogger(__name__)

# The provider's metadata and keys are fetched once and kept this long (keys are fetched again
# at once when a token is signed with a key not yet seen).
METADATA_MAX_AGE_SECONDS = 3600

_clients: dict[tuple, object] = {}


class Refused(Exception):  # noqa: N818 - a refusal, not a programming error
    """The login is refused. `message` is for the user (Swedish), `reason` for the event log."""

    def __init__(self, message: str, reason: str, *, user=None, hsa_id: str = "", acr: str = ""):
        super().__init__(reason)
        self.message = message
        self.reason = reason
        self.user = user
        self.hsa_id = hsa_id
        self.acr = acr


@dataclass(frozen=True)
class Identity:
    user: User
    hsa_id: str
    acr: str
    id_token: str


def client():
    """The Authlib client for the configured provider, rebuilt when the settings change or its
    metadata is older than METADATA_MAX_AGE_SECONDS."""
    from authlib.integrations.django_client import OAuth

    key = (
        settings.OIDC_DISCOVERY_URL,
        settings.OIDC_CLIENT_ID,
        settings.OIDC_CLIENT_SECRET,
        settings.OIDC_SCOPES,
    )
    cached = _clients.get(key)
    if cached is not None:
        loaded = cached.server_metadata.get("_loaded_at")
        if loaded is None or time.time() - loaded < METADATA_MAX_AGE_SECONDS:
            return cached
    oauth = OAuth()
    oauth.register(
        "idp",
        client_id=settings.OIDC_CLIENT_ID,
        client_secret=settings.OIDC_CLIENT_SECRET,
        server_metadata_url=settings.OIDC_DISCOVERY_URL,
        client_kwargs={
            "scope": settings.OIDC_SCOPES,
            "code_challenge_method": "S256",
            "default_timeout": settings.OIDC_TIMEOUT_SECONDS,
        },
    )
    _clients.clear()
    _clients[key] = oauth.create_client("idp")
    return _clients[key]


def authorize_redirect(request: HttpRequest, redirect_uri: str) -> HttpResponse:
    """Sends the browser to the provider. Authlib keeps state, nonce and the PKCE verifier in
    the session for the callback."""
    extra = {}
    if settings.OIDC_REQUEST_ACR_VALUES:
        extra["acr_values"] = settings.OIDC_REQUEST_ACR_VALUES
    return client().authorize_redirect(request, redirect_uri, **extra)


_TECHNICAL = (
    "Inloggningen via e-tjänstekort kunde inte slutföras. Försök igen; om det inte går, "
    "kontakta IT-supporten och uppge tiden."
)


def identity_from_callback(request: HttpRequest) -> Identity:
    """Completes the login at the callback: exchanges the code, checks the id token and finds
    the user. Raises Refused with what to tell the user and what to log."""
    from authlib.integrations.base_client.errors import MismatchingStateError, OAuthError
    from joserfc.errors import JoseError

    idp = client()
    error = request.GET.get("error")
    if error:
        # The user cancelled at the provider, or the provider refused. What the provider said
        # is logged only when the answer belongs to a login started in this browser.
        state = request.GET.get("state", "")
        ours = bool(state) and f"_state_idp_{state}" in request.session
        code = error if re.fullmatch(r"[a-z_]{1,40}", error) else "okänt fel"
        description = request.GET.get("error_description", "")[:200] if ours else ""
        raise Refused(
            "Inloggningen avbröts hos identitetsleverantören. Försök igen.",
            f"identitetsleverantören svarade {code}: {description}"
            if ours
            else f"identitetsleverantören svarade {code} (utan giltig state)",
        )
    try:
        token = idp.authorize_access_token(request, claims_options=_claims_options(idp))
    except MismatchingStateError:
        raise Refused(
            "Inloggningen gick inte att koppla till din webbläsare (den kan ha tagit för lång "
            "tid eller startats i en annan flik). Försök igen.",
            "state stämmer inte med sessionen",
        ) from None
    except OAuthError as exc:
        raise Refused(_TECHNICAL, f"tokenutbytet nekades: {exc.error}"[:300]) from None
    except JoseError as exc:
        # Signature, issuer, audience (a token for another client), expiry or nonce.
        reason = f"id-token underkänt: {exc.error}: {exc.description}"
        raise Refused(_TECHNICAL, reason[:300]) from None
    except Exception as exc:  # the provider did not answer, or answered nonsense
        log.warning("OIDC callback failed: %s", type(exc).__name__)
        raise Refused(_TECHNICAL, f"fel mot identitetsleverantören: {type(exc).__name__}") from None
    claims = token.get("userinfo")
    if not token.get("id_token") or not claims:
        raise Refused(_TECHNICAL, "inget id-token i svaret")
    claims = dict(claims)
    acr = str(claims.get("acr", ""))
    wanted = (settings.OIDC_CLAIM_HSA_ID, settings.OIDC_CLAIM_GIVEN_NAME, settings.OIDC_CLAIM_TITLE)
    if any(name not in claims for name in wanted):
        claims = _with_userinfo(idp, token, claims)
    hsa_id = str(claims.get(settings.OIDC_CLAIM_HSA_ID) or "").strip()
    if not hsa_id:
        raise Refused(
            _TECHNICAL,
            f"inget HSA-id i anspråket {settings.OIDC_CLAIM_HSA_ID}",
            acr=acr,
        )
    try:
        user = User.objects.get(hsa_id__iexact=hsa_id)
    except User.MultipleObjectsReturned:
        raise Refused(_TECHNICAL, "flera konton har samma HSA-id", hsa_id=hsa_id, acr=acr) from None
    except User.DoesNotExist:
        user = None
    if user is None:
        raise Refused(
            "Ditt HSA-id är inte kopplat till något konto i Återgång. Be din verksamhetschef "
            "om ett konto med ditt HSA-id.",
            "okänt HSA-id",
            hsa_id=hsa_id,
            acr=acr,
        )
    if not user.is_active:
        raise Refused(
            "Ditt konto är avstängt. Kontakta din verksamhetschef.",
            "kontot är avstängt",
            user=user,
            hsa_id=hsa_id,
            acr=acr,
        )
    if not selectors.has_current_assignment(user=user):
        raise Refused(
            "Du har inget giltigt medarbetaruppdrag på någon vårdenhet. Kontakta din "
            "verksamhetschef om du ska ha åtkomst.",
            "inget giltigt medarbetaruppdrag",
            user=user,
            hsa_id=hsa_id,
            acr=acr,
        )
    _update_from_claims(user, claims)
    return Identity(user=user, hsa_id=hsa_id, acr=acr, id_token=token["id_token"])


def _claims_options(idp) -> dict:
    """The id token must come from the configured issuer and be meant for this client. (Given
    options replace Authlib's default issuer check, so both are stated.)"""
    issuer = idp.load_server_metadata().get("issuer")
    return {
        "iss": {"essential": True, "values": [issuer]},
        "aud": {"essential": True, "values": [settings.OIDC_CLIENT_ID]},
    }


def _with_userinfo(idp, token: dict, claims: dict) -> dict:
    """Claims the id token lacks, from the userinfo endpoint: only for the same subject."""
    try:
        info = dict(idp.userinfo(token=token))
    except Exception as exc:
        log.warning("OIDC userinfo failed: %s", type(exc).__name__)
        return claims
    if info.get("sub") != claims.get("sub"):
        raise Refused(_TECHNICAL, "userinfo gäller en annan person än id-token")
    return {**info, **claims}


@transaction.atomic
def _update_from_claims(user: User, claims: dict) -> None:
    """Name and title follow the identity provider (HSA); the change is kept in the user's
    history."""
    fields = {
        "first_name": claims.get(settings.OIDC_CLAIM_GIVEN_NAME),
        "last_name": claims.get(settings.OIDC_CLAIM_FAMILY_NAME),
        "title": claims.get(settings.OIDC_CLAIM_TITLE),
    }
    changed = []
    for field, value in fields.items():
        if isinstance(value, str) and value.strip() and getattr(user, field) != value.strip():
            limit = User._meta.get_field(field).max_length
            setattr(user, field, value.strip()[:limit])
            changed.append(field)
    if changed:
        user.save(update_fields=changed)


def logout_url(id_token: str, post_logout_redirect_uri: str) -> str | None:
    """The provider's end-session address (RP-initiated logout), or None when it has none."""
    try:
        metadata = client().load_server_metadata()
    except Exception as exc:
        log.warning("OIDC metadata for logout failed: %s", type(exc).__name__)
        return None
    if not metadata.get("end_session_endpoint"):
        return None
    result = client().create_logout_url(
        post_logout_redirect_uri=post_logout_redirect_uri,
        id_token_hint=id_token,
        client_id=settings.OIDC_CLIENT_ID,
    )
    return result["url"]
