"""Pinterest's OAuth2 flow: send the user to the authorization URL, exchange
the code the redirect brings back, refresh ahead of time.

The refresh token rotates: store the credentials each function returns, they
replace the ones passed in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Sequence

from . import _convert
from ._component import record, runtime
from .credentials import OAuth2Credentials


@dataclass(frozen=True)
class OAuthApp:
    """A Pinterest app, for token requests."""

    client_id: str
    client_secret: str = field(repr=False)
    token_endpoint: Optional[str] = None
    """The token endpoint; ``None`` for Pinterest's."""
    continuous_refresh: bool = False
    """Send ``continuous_refresh=true`` with each refresh (apps created before
    late 2025); copied into the credentials."""


def authorize_url(
    client_id: str,
    redirect_uri: str,
    scopes: Sequence[str],
    state: str,
    authorization_endpoint: Optional[str] = None,
) -> str:
    """The URL that asks the user to authorise the app (Pinterest's, or
    ``authorization_endpoint``)."""
    call = runtime().instantiate()
    ok, value = call.invoke(
        "oauth",
        "authorize-url",
        client_id,
        redirect_uri,
        list(scopes),
        state,
        authorization_endpoint,
    )
    if not ok:
        raise _convert.error_out(value)
    url: str = value
    return url


def exchange_code(app: OAuthApp, code: str, redirect_uri: str) -> OAuth2Credentials:
    """Exchanges the authorization code the redirect brought back for
    credentials: tokens, their expiry instants and the granted scopes."""
    call = runtime().instantiate()
    ok, value = call.invoke(
        "oauth",
        "exchange-code",
        record(
            client_id=app.client_id,
            client_secret=app.client_secret,
            token_endpoint=app.token_endpoint,
            continuous_refresh=app.continuous_refresh,
        ),
        code,
        redirect_uri,
    )
    if not ok:
        raise _convert.error_out(value)
    return _convert.oauth2_out(value)


def refresh(credentials: OAuth2Credentials) -> OAuth2Credentials:
    """Refreshes the access token with the refresh token; the result carries
    the rotated refresh token. A refused refresh token raises
    ``Unauthorized``: authenticate again."""
    call = runtime().instantiate()
    ok, value = call.invoke("oauth", "refresh", _convert.oauth2_in(credentials))
    if not ok:
        raise _convert.error_out(value)
    return _convert.oauth2_out(value)
