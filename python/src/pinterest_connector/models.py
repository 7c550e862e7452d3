"""What calls take and return, besides credentials and errors."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple


@dataclass(frozen=True)
class CallOptions:
    """How each request of a call is sent: retries, timeouts, the response
    cap. The defaults are the component's."""

    max_attempts: int = 4
    """Times a request may be sent, the first included; 1 disables retries."""
    initial_backoff_ms: int = 500
    """The wait before the first retry, doubling for each further one."""
    max_backoff_ms: int = 8000
    """The longest single wait."""
    max_total_wait_ms: int = 30000
    """The most a request may spend waiting between attempts."""
    connect_timeout_ms: int = 10000
    """Time allowed to connect."""
    first_byte_timeout_ms: int = 30000
    """Time allowed until the first byte of the answer."""
    between_bytes_timeout_ms: int = 30000
    """Time allowed between bytes of the answer."""
    max_response_bytes: int = 32 * 1024 * 1024
    """The largest response body read."""


@dataclass(frozen=True)
class Spec:
    """Where the API description comes from: the embedded Pinterest 5.11.0
    (``Spec()``), an ``https://`` URL, or an OpenAPI 3.0 JSON text."""

    url: Optional[str] = None
    json: Optional[str] = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.url is not None and self.json is not None:
            raise ValueError("a Spec is a URL or a JSON text, not both")


class Headers:
    """Response headers: in order, and looked up by name in any case."""

    def __init__(self, pairs: List[Tuple[str, str]]) -> None:
        self._pairs = pairs

    def get(self, name: str, default: Optional[str] = None) -> Optional[str]:
        """The first value of ``name``, or ``default``."""
        wanted = name.lower()
        for key, value in self._pairs:
            if key.lower() == wanted:
                return value
        return default

    def get_all(self, name: str) -> List[str]:
        """Every value of ``name``, in order."""
        wanted = name.lower()
        return [value for key, value in self._pairs if key.lower() == wanted]

    def items(self) -> List[Tuple[str, str]]:
        """Every header as sent, in order."""
        return list(self._pairs)

    def __getitem__(self, name: str) -> str:
        value = self.get(name)
        if value is None:
            raise KeyError(name)
        return value

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get(name) is not None

    def __len__(self) -> int:
        return len(self._pairs)

    def __repr__(self) -> str:
        return f"Headers({self._pairs!r})"


@dataclass(frozen=True)
class Response:
    """Pinterest's answer: status, headers and the body as text."""

    status: int
    headers: Headers
    text: str
    next_bookmark: Optional[str] = None
    """For a paginated endpoint's call, the next page's bookmark."""

    def json(self) -> Any:
        """The body parsed as JSON (``None`` for an empty body)."""
        return json.loads(self.text) if self.text else None


@dataclass(frozen=True)
class Page:
    """One page of a paginated walk."""

    index: int
    """0 for the first page, then 1, 2, …"""
    status: int
    headers: Headers
    text: str
    item_count: int
    next_bookmark: Optional[str]
    """The next page's bookmark; ``None`` on the last page."""

    def json(self) -> Any:
        """The page's body parsed: ``{"items": [...], "bookmark": ...}``."""
        return json.loads(self.text)

    @property
    def items(self) -> List[Any]:
        """The page's ``items``."""
        items = self.json().get("items", [])
        return list(items) if isinstance(items, list) else []


@dataclass(frozen=True)
class Account:
    """The account behind the credentials."""

    username: str
    account_type: str
    """``BUSINESS`` or ``PINNER``."""
    scopes: Tuple[str, ...]
    """The scopes the credentials say were granted; empty when unknown."""
    user_accounts_read: bool
    """Whether ``user_accounts:read`` is granted (listed, or proven)."""
    raw: Dict[str, Any]
    """The whole ``GET /user_account`` answer."""


@dataclass(frozen=True)
class Endpoint:
    """One endpoint of the catalog."""

    id: str
    """The operationId, such as ``pins/list``."""
    method: str
    path: str
    label: str
    """What a picker shows: ``GET /pins (List Pins)``."""
    paginated: bool
    """Whether it pages with Pinterest's ``bookmark`` cursor."""
