"""The connector: Pinterest's API v5 through the WebAssembly component."""

from __future__ import annotations

import json
import threading
from dataclasses import replace
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Tuple

from wasmtime.component import Record, Variant

from . import _convert, errors, oauth
from ._component import Call, field, record, runtime
from ._convert import QueryValue
from .credentials import Credentials, OAuth2Credentials
from .models import Account, CallOptions, Endpoint, Page, Response, Spec
from .triggers import NewItem, PollResult, Trigger

CredentialsCallback = Callable[[Credentials], None]
"""Called with the new credentials each time a call refreshed them."""

HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
"""The methods :meth:`Connector.raw` sends."""


class Connector:
    """Pinterest's API v5, every endpoint of its OpenAPI description.

    Each call runs the component in a fresh wasmtime store (the engine and
    the compiled component are made once per process). The credentials are
    refreshed when due; when they change, ``connector.credentials`` is
    updated and ``on_credentials`` is called with them — store them there,
    the old refresh token no longer works. Failures raise the
    :class:`~pinterest_connector.errors.PinterestError` of their kind.

    Threads may share a connector. Two calls that both find the token due
    would both refresh, and the refresh token rotates, so the second would
    fail: with many threads, refresh ahead of time (:meth:`refresh`) before
    the token is due.

    ``api_base`` sends every request to another base than Pinterest's (such
    as ``http://127.0.0.1:8080/v5`` for a local mock): ``https://``, or
    ``http://`` to a loopback address. It receives the tokens, so it is the
    program's own setting, never a value from a user or a model.
    """

    def __init__(
        self,
        credentials: Optional[Credentials] = None,
        *,
        api_base: Optional[str] = None,
        options: Optional[CallOptions] = None,
        spec: Optional[Spec] = None,
        on_credentials: Optional[CredentialsCallback] = None,
    ) -> None:
        self._credentials = credentials
        self._lock = threading.Lock()
        self.api_base = api_base
        """Where requests go instead of Pinterest's API; ``None`` for Pinterest's."""
        self.options = options
        """Retries, timeouts and the response cap; ``None`` for the defaults."""
        self.spec = spec
        """The API description; ``None`` for the embedded Pinterest 5.11.0."""
        self.on_credentials = on_credentials
        """Called with the credentials each time a call refreshed them."""

    @property
    def credentials(self) -> Optional[Credentials]:
        """The credentials as they stand: the latest a call handed back."""
        with self._lock:
            return self._credentials

    @credentials.setter
    def credentials(self, credentials: Optional[Credentials]) -> None:
        with self._lock:
            self._credentials = credentials

    def __repr__(self) -> str:
        return (
            f"Connector(credentials={self.credentials!r}, api_base={self.api_base!r}, "
            f"spec={self.spec!r})"
        )

    # The actions.

    def verify(self) -> Account:
        """Proves the credentials work: ``GET /user_account`` (scope
        ``user_accounts:read``)."""
        call = runtime().instantiate()
        value = self._act(call, "verify-credentials")
        return Account(
            username=field(value, "username"),
            account_type=field(value, "account_type"),
            scopes=tuple(field(value, "scopes")),
            user_accounts_read=field(value, "user_accounts_read"),
            raw=json.loads(field(value, "raw")),
        )

    def call(
        self,
        endpoint: str,
        *,
        path: Optional[Mapping[str, Any]] = None,
        query: Optional[Mapping[str, QueryValue]] = None,
        body: Any = None,
    ) -> Response:
        """Calls one endpoint once: ``GET /pins/{pin_id}`` or an operationId
        such as ``pins/get``. ``path`` fills the path template, ``query``
        the query (a list repeats the name), ``body`` is JSON text or a value
        to serialise. Inputs are checked against the description first: a
        refused one raises ``InvalidInput`` and nothing is sent."""
        call = runtime().instantiate()
        value = self._act(call, "api-call", self._input(endpoint, path, query, body))
        return Response(
            status=field(value, "status"),
            headers=_convert.headers_out(field(value, "headers")),
            text=field(value, "body"),
            next_bookmark=field(value, "next_bookmark"),
        )

    def pages(
        self,
        endpoint: str,
        *,
        path: Optional[Mapping[str, Any]] = None,
        query: Optional[Mapping[str, QueryValue]] = None,
        body: Any = None,
        max_pages: Optional[int] = None,
    ) -> Iterator[Page]:
        """Walks a paginated endpoint's pages, following its ``bookmark``.

        The inputs are checked now (``InvalidInput`` is raised here); each
        page is fetched when the loop asks for it, so stopping the loop
        stops the walk. A transient failure after the retries raises, and
        iterating a new walk from the last page's ``next_bookmark`` (as the
        ``bookmark`` query parameter) resumes it."""
        call = runtime().instantiate()
        stream = self._act(
            call,
            "api-call-paginated",
            self._input(endpoint, path, query, body),
            record(max_pages=max_pages),
            credentials_in_result=False,
        )
        return self._walk(call, stream)

    def items(
        self,
        endpoint: str,
        *,
        path: Optional[Mapping[str, Any]] = None,
        query: Optional[Mapping[str, QueryValue]] = None,
        max_pages: Optional[int] = None,
    ) -> Iterator[Any]:
        """Each item of each page of a paginated endpoint, in order (see
        :meth:`pages`)."""
        pages = self.pages(endpoint, path=path, query=query, max_pages=max_pages)
        return (item for page in pages for item in page.items)

    def raw(
        self,
        method: str,
        url: str,
        *,
        body: Any = None,
        headers: Optional[Mapping[str, str]] = None,
        no_throw_on_404: bool = False,
    ) -> Response:
        """Sends ``method`` to ``url``, relative to the API base (such as
        ``/pins?page_size=5``). With ``no_throw_on_404`` a 404 comes back as
        a response instead of raising ``NotFound``."""
        wanted = method.upper()
        if wanted not in HTTP_METHODS:
            raise errors.InvalidInput("method", f"must be one of {', '.join(HTTP_METHODS)}")
        call = runtime().instantiate()
        value = self._act(
            call,
            "raw-request",
            record(
                method=wanted.lower(),
                url=url,
                headers=[(str(name), str(text)) for name, text in (headers or {}).items()],
                body=_convert.body_in(body),
                no_throw_on_404=no_throw_on_404,
            ),
        )
        return Response(
            status=field(value, "status"),
            headers=_convert.headers_out(field(value, "headers")),
            text=field(value, "body"),
        )

    def refresh(self) -> OAuth2Credentials:
        """Refreshes the OAuth2 access token now (the actions refresh by
        themselves when due; this is for refreshing ahead of time) at the
        credentials' token endpoint, else the API base's ``/oauth/token``,
        else Pinterest's; stores the result as a call would."""
        credentials = self.credentials
        if not isinstance(credentials, OAuth2Credentials):
            raise errors.InvalidInput("credentials", "must be OAuth2 credentials to refresh")
        sent = credentials
        if credentials.token_endpoint is None and self.api_base is not None:
            sent = replace(credentials, token_endpoint=self.api_base.rstrip("/") + "/oauth/token")
        fresh = replace(oauth.refresh(sent), token_endpoint=credentials.token_endpoint)
        self._store(fresh)
        return fresh

    def poll(
        self,
        trigger: Trigger,
        cursor: Optional[str] = None,
        *,
        backlog: int = 0,
        max_pages: int = 10,
        max_items: int = 1000,
        page_size: Optional[int] = None,
    ) -> PollResult:
        """Polls ``trigger`` for what is new since the poll that returned
        ``cursor``. The first poll (no cursor) sets the starting point and
        hands over nothing, unless ``backlog`` asks for that many recent
        items. Store the result's ``cursor`` for the next poll; a cursor of
        another trigger or API base raises ``InvalidInput``."""
        call = runtime().instantiate()
        value = self._act(
            call,
            "poll",
            _trigger_in(trigger, self.spec),
            cursor,
            record(
                backlog=backlog, max_pages=max_pages, max_items=max_items, page_size=page_size
            ),
            interface="triggers",
        )
        interrupted = field(value, "interrupted")
        return PollResult(
            items=[
                NewItem(
                    id=field(item, "id"),
                    created_at=field(item, "created_at"),
                    text=field(item, "item"),
                )
                for item in field(value, "items")
            ],
            cursor=field(value, "cursor"),
            more=field(value, "more"),
            interrupted=None if interrupted is None else _convert.error_out(interrupted),
        )

    # The catalog.

    def endpoints(self) -> List[Endpoint]:
        """Every endpoint of the description, in its order."""
        call = runtime().instantiate()
        ok, value = call.invoke("catalog", "list-endpoints", _convert.spec_in(self.spec))
        if not ok:
            raise _convert.error_out(value)
        return [
            Endpoint(
                id=field(endpoint, "id"),
                method=field(endpoint, "method"),
                path=field(endpoint, "path"),
                label=field(endpoint, "label"),
                paginated=field(endpoint, "paginated"),
            )
            for endpoint in value
        ]

    def describe(self, endpoint: str) -> Dict[str, Any]:
        """The inputs of ``endpoint`` as a JSON Schema object with the
        properties ``path``, ``query`` and ``body``: what a form renders."""
        call = runtime().instantiate()
        ok, value = call.invoke(
            "catalog", "describe-endpoint", _convert.spec_in(self.spec), endpoint
        )
        if not ok:
            raise _convert.error_out(value)
        schema: Dict[str, Any] = json.loads(value)
        return schema

    def describe_many(self, endpoints: Optional[List[str]] = None) -> Dict[str, Dict[str, Any]]:
        """The inputs of many endpoints in one call — those named, or every
        endpoint for ``None`` — by operationId, in order: what rendering a
        form per endpoint needs, far cheaper than :meth:`describe` each."""
        call = runtime().instantiate()
        ok, value = call.invoke(
            "catalog",
            "describe-endpoints",
            _convert.spec_in(self.spec),
            None if endpoints is None else list(endpoints),
        )
        if not ok:
            raise _convert.error_out(value)
        return {field(item, "id"): json.loads(field(item, "schema")) for item in value}

    # What the actions share.

    def _input(
        self,
        endpoint: str,
        path: Optional[Mapping[str, Any]],
        query: Optional[Mapping[str, QueryValue]],
        body: Any,
    ) -> Record:
        return record(
            spec=_convert.spec_in(self.spec),
            endpoint=endpoint,
            path_params=_convert.path_in(path),
            query_params=_convert.query_in(query),
            body=_convert.body_in(body),
        )

    def _act(
        self,
        call: Call,
        name: str,
        *args: Any,
        interface: str = "actions",
        credentials_in_result: bool = True,
    ) -> Any:
        """Runs action ``name`` of ``interface`` with the credentials,
        ``args`` and the options; takes the credentials it hands back,
        raises its error."""
        credentials = self.credentials
        if credentials is None:
            raise errors.InvalidInput("credentials", "are missing: pass them to Connector")
        options = _convert.options_in(self.options, self.api_base)
        ok, value = call.invoke(
            interface, name, _convert.credentials_in(credentials), *args, options
        )
        if not ok:
            raise self._failure(value)
        if credentials_in_result:
            self._take(field(value, "credentials"))
        return value

    def _walk(self, call: Call, stream: Any) -> Iterator[Page]:
        try:
            while True:
                ok, value = call.invoke("actions", "[method]page-stream.next", stream)
                if not ok:
                    raise self._failure(value)
                if value is None:
                    return
                self._take(field(value, "credentials"))
                yield Page(
                    index=field(value, "index"),
                    status=field(value, "status"),
                    headers=_convert.headers_out(field(value, "headers")),
                    text=field(value, "body"),
                    item_count=field(value, "item_count"),
                    next_bookmark=field(value, "next_bookmark"),
                )
        finally:
            call.drop(stream)

    def _failure(self, action_error: Any) -> errors.PinterestError:
        error = _convert.error_out(field(action_error, "error"))
        credentials, refreshed = self._take(field(action_error, "credentials"))
        error.credentials = credentials
        error.refreshed = refreshed
        return error

    def _take(self, state: Record) -> Tuple[Credentials, bool]:
        credentials, refreshed = _convert.state_out(state)
        if refreshed:
            self._store(credentials)
        return credentials, refreshed

    def _store(self, credentials: Credentials) -> None:
        self.credentials = credentials
        if self.on_credentials is not None:
            self.on_credentials(credentials)


def _trigger_in(trigger: Trigger, spec: Optional[Spec]) -> Variant:
    """A trigger as the WIT ``trigger`` variant (tagged)."""
    if trigger.kind in ("new-pin", "new-board"):
        return Variant(trigger.kind)
    if trigger.kind == "new-pin-on-board":
        return Variant(trigger.kind, trigger.board_id)
    if trigger.kind == "new-pin-in-section":
        return Variant(
            trigger.kind, record(board_id=trigger.board_id, section_id=trigger.section_id)
        )
    if trigger.kind == "list":
        return Variant(
            "list",
            record(
                spec=_convert.spec_in(spec),
                endpoint=trigger.endpoint,
                path_params=list(trigger.path),
                query_params=list(trigger.query),
                id_field=trigger.id_field,
                time_field=trigger.time_field,
                newest_first=trigger.newest_first,
            ),
        )
    raise errors.InvalidInput("trigger", f"has an unknown kind {trigger.kind!r}")
