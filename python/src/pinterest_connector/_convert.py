"""Python values to the component's WIT values and back."""

from __future__ import annotations

import json
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Type, Union

from wasmtime.component import Record, Variant

from . import errors
from ._component import field, record
from .credentials import Credentials, OAuth2Credentials, SandboxCredentials
from .models import CallOptions, Headers, Spec

QueryValue = Union[str, int, float, bool, Sequence[Union[str, int, float, bool]]]
"""A query parameter's value; a sequence repeats the name (an array)."""


def oauth2_in(credentials: OAuth2Credentials) -> Record:
    """OAuth2 credentials as the WIT ``oauth2-credentials`` record."""
    return record(
        client_id=credentials.client_id,
        client_secret=credentials.client_secret,
        access_token=credentials.access_token,
        refresh_token=credentials.refresh_token,
        expires_at=credentials.expires_at,
        refresh_token_expires_at=credentials.refresh_token_expires_at,
        token_endpoint=credentials.token_endpoint,
        continuous_refresh=credentials.continuous_refresh,
        scopes=list(credentials.scopes),
    )


def oauth2_out(value: Record) -> OAuth2Credentials:
    """A WIT ``oauth2-credentials`` record as Python credentials."""
    return OAuth2Credentials(
        client_id=field(value, "client_id"),
        client_secret=field(value, "client_secret"),
        access_token=field(value, "access_token"),
        refresh_token=field(value, "refresh_token"),
        expires_at=field(value, "expires_at"),
        refresh_token_expires_at=field(value, "refresh_token_expires_at"),
        token_endpoint=field(value, "token_endpoint"),
        continuous_refresh=field(value, "continuous_refresh"),
        scopes=tuple(field(value, "scopes")),
    )


def credentials_in(credentials: Credentials) -> Any:
    """Credentials as the WIT ``credentials`` variant (untagged: the record
    or the sandbox token itself)."""
    if isinstance(credentials, OAuth2Credentials):
        return oauth2_in(credentials)
    if isinstance(credentials, SandboxCredentials):
        return credentials.token
    raise TypeError(
        f"credentials must be OAuth2Credentials or SandboxCredentials, not {type(credentials).__name__}"
    )


def credentials_out(value: Any) -> Credentials:
    """The WIT ``credentials`` variant as Python credentials."""
    if isinstance(value, str):
        return SandboxCredentials(token=value)
    return oauth2_out(value)


def state_out(value: Record) -> Tuple[Credentials, bool]:
    """A WIT ``credentials-state``: the credentials and whether they changed."""
    return credentials_out(field(value, "credentials")), bool(field(value, "refreshed"))


def spec_in(spec: Optional[Spec]) -> Variant:
    """Where the description comes from, as the WIT ``spec-source``."""
    if spec is None or (spec.url is None and spec.json is None):
        return Variant("embedded")
    if spec.url is not None:
        return Variant("url", spec.url)
    return Variant("json", spec.json)


def options_in(options: Optional[CallOptions], api_base: Optional[str]) -> Optional[Record]:
    """Call options and the host's API base as the WIT ``call-options``."""
    if options is None and api_base is None:
        return None
    options = options or CallOptions()
    return record(
        max_attempts=options.max_attempts,
        initial_backoff_ms=options.initial_backoff_ms,
        max_backoff_ms=options.max_backoff_ms,
        max_total_wait_ms=options.max_total_wait_ms,
        connect_timeout_ms=options.connect_timeout_ms,
        first_byte_timeout_ms=options.first_byte_timeout_ms,
        between_bytes_timeout_ms=options.between_bytes_timeout_ms,
        max_response_bytes=options.max_response_bytes,
        api_base=api_base,
    )


def text_of(value: Any) -> str:
    """A path or query value as the text sent: booleans as ``true``/``false``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def path_in(path: Optional[Mapping[str, Any]]) -> List[Tuple[str, str]]:
    """Path parameters as WIT pairs."""
    return [(name, text_of(value)) for name, value in (path or {}).items()]


def query_in(query: Optional[Mapping[str, QueryValue]]) -> List[Tuple[str, str]]:
    """Query parameters as WIT pairs: a list or tuple repeats its name."""
    out: List[Tuple[str, str]] = []
    for name, value in (query or {}).items():
        if isinstance(value, (list, tuple)):
            out.extend((name, text_of(item)) for item in value)
        elif value is not None:
            out.append((name, text_of(value)))
    return out


def body_in(body: Any) -> Optional[str]:
    """A JSON body: text as it is, anything else serialised."""
    if body is None or isinstance(body, str):
        return body
    return json.dumps(body)


def headers_out(pairs: List[Tuple[str, str]]) -> Headers:
    """WIT headers as :class:`Headers`."""
    return Headers([(str(name), str(value)) for name, value in pairs])


_API_ERRORS: Dict[str, Type[errors.ApiError]] = {
    "unauthorized": errors.Unauthorized,
    "forbidden": errors.Forbidden,
    "not-found": errors.NotFound,
    "upstream": errors.UpstreamError,
}
"""The kinds whose payload is a WIT ``api-error``."""


def _api_fields(api_error: Any) -> Dict[str, Any]:
    """A WIT ``api-error``'s fields but the message, as keywords."""
    return {
        "status": field(api_error, "status"),
        "code": field(api_error, "code"),
        "request_id": field(api_error, "request_id"),
        "attempts": field(api_error, "attempts"),
    }


def error_out(value: Variant) -> errors.PinterestError:
    """A WIT ``connector-error`` as the exception of its kind."""
    kind, payload = value.tag, value.payload

    api_error = _API_ERRORS.get(kind)
    if api_error is not None:
        return api_error(field(payload, "message"), **_api_fields(payload))
    if kind == "rate-limited":
        inner = field(payload, "error")
        return errors.RateLimited(
            field(inner, "message"),
            retry_after_seconds=field(payload, "retry_after_seconds"),
            **_api_fields(inner),
        )
    if kind == "invalid-input":
        return errors.InvalidInput(field(payload, "field"), field(payload, "reason"))
    if kind == "missing-scopes":
        return errors.MissingScopes(field(payload, "endpoint"), tuple(field(payload, "scopes")))
    if kind == "unsupported-in-sandbox":
        return errors.UnsupportedInSandbox(str(payload))
    if kind == "denied-by-host":
        return errors.DeniedByHost(str(payload))
    if kind == "transport":
        return errors.TransportError(
            field(payload, "message"),
            transport_kind=str(field(payload, "kind")),
            attempts=field(payload, "attempts"),
        )
    if kind in ("job-failed", "job-pending"):
        cls = errors.JobFailed if kind == "job-failed" else errors.JobPending
        return cls(
            f"{field(payload, 'job')} {field(payload, 'id')}: {field(payload, 'state')}",
            job=field(payload, "job"),
            id=field(payload, "id"),
            state=field(payload, "state"),
            polls=field(payload, "polls"),
        )
    return errors.ComponentError(f"an error of an unknown kind: {kind}")
