"""One exception class per kind of error the component reports.

Every class derives from :class:`PinterestError`, which carries the kind as
the component names it and, for a failed action, the credentials as they
stand (a refresh may have happened before the failure: store them when
``refreshed`` is set — the connector does so itself and calls its
``on_credentials`` callback). Messages never hold a secret: the component
takes them out before they leave it.
"""

from __future__ import annotations

from typing import Any, Optional, Tuple

from .credentials import Credentials


class PinterestError(Exception):
    """A failed call: the base of every error here."""

    kind: str = "error"
    """The kind, as the WIT's ``connector-error`` names it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
        self.credentials: Optional[Credentials] = None
        self.refreshed = False


class ApiError(PinterestError):
    """A non-success answer from Pinterest."""

    kind = "upstream"

    def __init__(
        self,
        message: str,
        *,
        status: int,
        code: Optional[int] = None,
        request_id: Optional[str] = None,
        attempts: int = 1,
    ) -> None:
        super().__init__(message)
        self.status = status
        """The HTTP status code."""
        self.code = code
        """Pinterest's numeric error ``code``, when the body carried one."""
        self.request_id = request_id
        """The ``x-pinterest-rid`` request id, for Pinterest support."""
        self.attempts = attempts
        """How many times the request was sent."""

    def __str__(self) -> str:
        return f"{self.status}: {self.message}"


class Unauthorized(ApiError):
    """401: the token is missing, expired or revoked."""

    kind = "unauthorized"


class Forbidden(ApiError):
    """403: the token lacks a scope, or the app lacks access."""

    kind = "forbidden"


class NotFound(ApiError):
    """404: no such resource."""

    kind = "not-found"


class UpstreamError(ApiError):
    """Any other non-success answer from Pinterest."""

    kind = "upstream"


class RateLimited(ApiError):
    """429: rate limited, after the retries the call options allow."""

    kind = "rate-limited"

    def __init__(
        self, message: str, *, retry_after_seconds: Optional[int] = None, **api_error: Any
    ) -> None:
        super().__init__(message, **api_error)
        self.retry_after_seconds = retry_after_seconds
        """Seconds to wait before trying again, when the answer said."""


class InvalidInput(PinterestError, ValueError):
    """An input was refused before anything was sent."""

    kind = "invalid-input"

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field} {reason}")
        self.field = field
        """Which input: ``endpoint``, ``path.pin_id``, ``body``, ``options.api-base``…"""
        self.reason = reason
        """The rule it broke, in words."""


class UnsupportedInSandbox(PinterestError):
    """The sandbox API does not serve the endpoint; nothing was sent."""

    kind = "unsupported-in-sandbox"


class MissingScopes(PinterestError):
    """The credentials' granted scopes lack some the endpoint needs; nothing
    was sent."""

    kind = "missing-scopes"

    def __init__(self, endpoint: str, scopes: Tuple[str, ...]) -> None:
        super().__init__(f"{endpoint} needs {', '.join(scopes)}")
        self.endpoint = endpoint
        """The endpoint's label, such as ``GET /pins (List Pins)``."""
        self.scopes = scopes
        """The scopes it needs that are missing."""


class TransportError(PinterestError):
    """The request could not be sent or its answer not read."""

    kind = "transport"

    def __init__(self, message: str, *, transport_kind: str, attempts: int) -> None:
        super().__init__(message)
        self.transport_kind = transport_kind
        """``refused``, ``timed-out``, ``interrupted``, ``too-large`` or ``other``."""
        self.attempts = attempts
        """How many times the request was sent."""


class DeniedByHost(PinterestError):
    """The host refused to let the request out."""

    kind = "denied-by-host"


class JobError(PinterestError):
    """A job Pinterest runs (a video's processing, an ads report)."""

    def __init__(self, message: str, *, job: str, id: str, state: str, polls: int) -> None:
        super().__init__(message)
        self.job = job
        """``media`` or ``report``."""
        self.id = id
        """The media id or the report token."""
        self.state = state
        """Its last state, as Pinterest spells it."""
        self.polls = polls
        """How many times its state was asked for."""


class JobFailed(JobError):
    """The job ended without its result."""

    kind = "job-failed"


class JobPending(JobError):
    """The job was still running when the wait ran out; ask again later."""

    kind = "job-pending"


class ComponentError(PinterestError):
    """The WebAssembly component could not run the call (it trapped, or the
    runtime refused it): a defect to report, not an API answer."""

    kind = "component"
