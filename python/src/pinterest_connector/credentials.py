"""Credentials: what a program stores and passes, and gets back rotated.

Secrets never appear in ``repr`` (nor in ``str``, which uses it): a
credentials object can be logged or shown in a traceback safely.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, Mapping, Optional, Tuple, Union


@dataclass(frozen=True)
class OAuth2Credentials:
    """OAuth2 credentials of a Pinterest app and the user who authorised it.

    Calls go to the production API. ``expires_at`` and
    ``refresh_token_expires_at`` are Unix seconds. Before a call the
    connector refreshes an access token that has expired or expires within
    five minutes, and after a 401 it refreshes once and retries once; the
    refresh token rotates, so store what the connector hands back.
    """

    client_id: str
    client_secret: str = field(repr=False)
    access_token: str = field(repr=False)
    refresh_token: Optional[str] = field(default=None, repr=False)
    expires_at: Optional[int] = None
    refresh_token_expires_at: Optional[int] = None
    token_endpoint: Optional[str] = None
    continuous_refresh: bool = False
    scopes: Tuple[str, ...] = ()

    def to_dict(self) -> Dict[str, Any]:
        """The credentials as JSON-ready values, secrets included (for a
        store the program keeps private)."""
        return {
            "kind": "oauth2",
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "expires_at": self.expires_at,
            "refresh_token_expires_at": self.refresh_token_expires_at,
            "token_endpoint": self.token_endpoint,
            "continuous_refresh": self.continuous_refresh,
            "scopes": list(self.scopes),
        }


@dataclass(frozen=True)
class SandboxCredentials:
    """A sandbox access token: every call goes to the sandbox API."""

    token: str = field(repr=False)

    def to_dict(self) -> Dict[str, Any]:
        """The credentials as JSON-ready values, the token included."""
        return {"kind": "sandbox", "token": self.token}


Credentials = Union[OAuth2Credentials, SandboxCredentials]
"""How the connector authenticates."""


def credentials_from_dict(values: Mapping[str, Any]) -> Credentials:
    """Reads credentials written by ``to_dict``.

    Raises ``ValueError`` for an unknown kind or a missing field.
    """
    kind = values.get("kind")
    if kind == "sandbox":
        return SandboxCredentials(token=str(values["token"]))
    if kind == "oauth2":
        return OAuth2Credentials(
            client_id=str(values["client_id"]),
            client_secret=str(values["client_secret"]),
            access_token=str(values["access_token"]),
            refresh_token=values.get("refresh_token"),
            expires_at=values.get("expires_at"),
            refresh_token_expires_at=values.get("refresh_token_expires_at"),
            token_endpoint=values.get("token_endpoint"),
            continuous_refresh=bool(values.get("continuous_refresh", False)),
            scopes=tuple(values.get("scopes") or ()),
        )
    raise ValueError(f"unknown credentials kind {kind!r}: expected 'oauth2' or 'sandbox'")
