"""The connector: Pinterest's API v5 through the WebAssembly component."""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import replace
from typing import Any, BinaryIO, Callable, Dict, Iterator, List, Mapping, Optional, Tuple, Union

from wasmtime.component import Record, Variant

from . import _convert, errors, oauth
from ._component import Call, field, record, runtime
from ._convert import QueryValue
from .credentials import Credentials, OAuth2Credentials
from .models import Account, CallOptions, Endpoint, Page, Response, Spec
from .store import CredentialStore
from .triggers import NewItem, PollResult, Trigger

CredentialsCallback = Callable[[Credentials], None]
"""Called with the new credentials each time a call refreshed them."""

HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
"""The methods :meth:`Connector.raw` sends."""

REFRESH_MARGIN_SECONDS = 300
"""An access token expiring within this many seconds is refreshed first
(the component's own window)."""


def _due(credentials: Credentials, now: float) -> bool:
    """Whether ``credentials`` should be refreshed before a call."""
    return (
        isinstance(credentials, OAuth2Credentials)
        and bool(credentials.refresh_token)
        and credentials.expires_at is not None
        and credentials.expires_at <= now + REFRESH_MARGIN_SECONDS
    )


class Connector:
    """Pinterest's API v5, every endpoint of its OpenAPI description.

    Each call runs the component in a fresh wasmtime store (the engine and
    the compiled component are made once per process). The credentials are
    refreshed when due; when they change, ``connector.credentials`` is
    updated and ``on_credentials`` is called with them — store them there,
    the old refresh token no longer works. Failures raise the
    :class:`~pinterest_connector.errors.PinterestError` of their kind.

    Threads may share a connector, and the refresh token rotates (the old
    one is revoked once used), so the connector refreshes for all of them
    at once: before a call whose token is due, and after a 401, one thread
    refreshes (and calls ``on_credentials`` once) while the others wait and
    use its result. With a ``store`` (:class:`~pinterest_connector.store.FileStore`
    for processes sharing a credentials file, the CLI's included;
    :class:`~pinterest_connector.store.MemoryStore` for several connectors)
    each call starts from the stored credentials and one caller across
    everything that shares the store refreshes, under the store's lease,
    saving with compare-and-set. A refresh token the token endpoint refused
    is remembered there: every caller gets ``Unauthorized`` (authorise
    again) without sending it again. A walk's pages refresh by themselves
    when the token expires mid-walk.

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
        store: Optional[CredentialStore] = None,
    ) -> None:
        if store is not None and credentials is not None and store.load() is None:
            store.save(0, credentials)
        self._credentials = credentials
        self._lock = threading.Lock()
        self._refreshing = threading.Lock()
        self.store = store
        """Where the credentials live when many callers share them; ``None``
        for this connector's own."""
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
        """The credentials as they stand: the store's, or the latest a call
        handed back."""
        if self.store is not None:
            stored = self.store.load()
            if stored is not None:
                with self._lock:
                    self._credentials = stored.credentials
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
        if not credentials.refresh_token:
            raise errors.InvalidInput("credentials.refresh-token", "is missing: re-authenticate")
        before = credentials.access_token
        fresh = self._refresh_shared(
            lambda current: isinstance(current, OAuth2Credentials)
            and current.access_token == before
        )
        assert isinstance(fresh, OAuth2Credentials)
        return fresh

    def _refresh_at_token_endpoint(self, credentials: OAuth2Credentials) -> OAuth2Credentials:
        """One refresh request, at the endpoint :meth:`refresh` names."""
        sent = credentials
        if credentials.token_endpoint is None and self.api_base is not None:
            sent = replace(credentials, token_endpoint=self.api_base.rstrip("/") + "/oauth/token")
        return replace(oauth.refresh(sent), token_endpoint=credentials.token_endpoint)

    def _fresh(self) -> Credentials:
        """The credentials to call with: refreshed first, once for every
        thread (and, with a store, every caller on it), when due."""
        credentials = self.credentials
        if credentials is None:
            raise errors.InvalidInput("credentials", "are missing: pass them to Connector")
        if not _due(credentials, time.time()):
            return credentials
        return self._refresh_shared(lambda current: _due(current, time.time()))

    def _refresh_shared(self, needed: Callable[[Credentials], bool]) -> Credentials:
        """Refreshes if ``needed`` still holds for the credentials as they
        stand once this caller's turn comes: one caller at a time (this
        connector's lock, then the store's lease), so that those who waited
        find the refresh done and use it. Answers the credentials to use."""
        with self._refreshing:
            if self.store is None:
                current = self.credentials
                if isinstance(current, OAuth2Credentials) and needed(current):
                    current = self._refresh_at_token_endpoint(current)
                    self._store(current)
                assert current is not None
                return current
            with self.store.lease():
                stored = self.store.load()
                if stored is None:
                    raise errors.InvalidInput("credentials", "the store holds none: log in first")
                current = stored.credentials
                with self._lock:
                    self._credentials = current
                if not isinstance(current, OAuth2Credentials) or not needed(current):
                    return current
                if stored.refresh_refused:
                    raise errors.Unauthorized(
                        "The authorization grant is invalid (this refresh token was refused "
                        "before: re-authenticate)",
                        status=401,
                        code=283,
                    )
                try:
                    fresh = self._refresh_at_token_endpoint(current)
                except errors.Unauthorized:
                    self.store.save(stored.generation, current, refresh_refused=True)
                    raise
                self.store.save(stored.generation, fresh)
                with self._lock:
                    self._credentials = fresh
                if self.on_credentials is not None:
                    self.on_credentials(fresh)
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

    # The jobs that span calls.

    def upload_media(
        self,
        file: "Union[str, os.PathLike[str], BinaryIO]",
        *,
        content_type: Optional[str] = None,
        file_name: Optional[str] = None,
        progress: Optional[Callable[[int, int], None]] = None,
        max_polls: Optional[int] = None,
        poll_interval_ms: Optional[int] = None,
    ) -> str:
        """Uploads a video for a pin and waits for Pinterest to process it:
        the media id a pin's ``media_source`` names (``source_type:
        "video_id"``). ``file`` is a path or a binary file object; the
        content type comes from the name's extension (mp4, m4v, mov) unless
        given. ``progress(sent, total)`` is told ``(0, size)`` as the job
        starts and ``(size, size)`` once the file has gone and been
        processed (wasmtime-py shows the host nothing in between). A failed
        processing raises ``JobFailed``; a wait that runs out first
        (``max_polls`` asks, ``poll_interval_ms`` apart) ``JobPending``,
        whose ``id`` :meth:`await_media` goes on with."""
        if isinstance(file, (str, os.PathLike)):
            path = os.fspath(file)
            with open(path, "rb") as opened:
                data = opened.read()
            name = file_name or os.path.basename(path)
        else:
            data = file.read()
            name = file_name or os.path.basename(str(getattr(file, "name", "video")))
        kind = content_type or _video_type(name)
        if progress is not None:
            progress(0, len(data))
        call = runtime().instantiate()
        value = self._act(
            call,
            "upload-media",
            record(file_name=name, content_type=kind, bytes=data),
            _wait_in(max_polls, poll_interval_ms),
            interface="jobs",
            shared_refresh=False,
        )
        if progress is not None:
            progress(len(data), len(data))
        media_id: str = field(value, "media_id")
        return media_id

    def await_media(
        self,
        media_id: str,
        *,
        max_polls: Optional[int] = None,
        poll_interval_ms: Optional[int] = None,
    ) -> str:
        """Waits for an upload's processing by its media id (after a
        ``JobPending``): the media id once it succeeded."""
        call = runtime().instantiate()
        value = self._act(
            call,
            "await-media",
            media_id,
            _wait_in(max_polls, poll_interval_ms),
            interface="jobs",
            shared_refresh=False,
        )
        done: str = field(value, "media_id")
        return done

    def create_report(self, ad_account_id: str, body: Any) -> str:
        """Asks for an asynchronous ads report (``body`` checked against the
        description first): the token :meth:`download_report` waits for."""
        call = runtime().instantiate()
        value = self._act(
            call,
            "create-report",
            ad_account_id,
            _convert.body_in(body) or "",
            interface="jobs",
        )
        token: str = field(value, "token")
        return token

    def download_report(
        self,
        ad_account_id: str,
        token: str,
        *,
        max_polls: Optional[int] = None,
        poll_interval_ms: Optional[int] = None,
    ) -> "ReportDownload":
        """Waits for the report to finish and opens its download: iterate it
        for the report's bytes a chunk at a time (unpacked when it came
        gzip-compressed; the component holds one chunk, not the report), or
        ``save()`` it to a file. A report that will not finish raises
        ``JobFailed``; one still running when the wait ran out,
        ``JobPending``."""
        call = runtime().instantiate()
        value = self._act(
            call,
            "download-report",
            ad_account_id,
            token,
            _wait_in(max_polls, poll_interval_ms),
            interface="jobs",
            shared_refresh=False,
        )
        return ReportDownload(call, field(value, "download"), field(value, "size"))

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
        shared_refresh: bool = True,
    ) -> Any:
        """Runs action ``name`` of ``interface`` with the credentials,
        ``args`` and the options; takes the credentials it hands back,
        raises its error.

        A single action (``credentials_in_result``) runs with credentials
        whose refresh token stays here: the component cannot refresh on its
        own, and a 401 comes back as ``Unauthorized``, after which the
        connector refreshes once for all its callers (:meth:`_refresh_shared`)
        and runs the action once more (a 401 means nothing was applied). A
        walk keeps its refresh token, for a token that expires mid-walk, and
        so does a job (``shared_refresh=False``), which is never run twice:
        an upload sent once is not sent again."""
        try:
            credentials = self._fresh()
        except errors.PinterestError as refused:
            # A refresh before the call failed: the credentials stand as
            # they were.
            refused.credentials = self.credentials
            raise
        options = _convert.options_in(self.options, self.api_base)
        for attempt in (1, 2):
            sent = credentials
            if (
                credentials_in_result
                and shared_refresh
                and isinstance(credentials, OAuth2Credentials)
                and credentials.refresh_token
            ):
                sent = replace(credentials, refresh_token=None)
            ok, value = call.invoke(interface, name, _convert.credentials_in(sent), *args, options)
            if ok:
                if not credentials_in_result:
                    return value
                if sent is credentials:
                    self._take(field(value, "credentials"))
                return value
            error = _convert.error_out(field(value, "error"))
            if (
                attempt == 1
                and isinstance(error, errors.Unauthorized)
                and sent is not credentials
            ):
                failed = credentials.access_token if isinstance(credentials, OAuth2Credentials) else ""
                try:
                    credentials = self._refresh_shared(
                        lambda current: isinstance(current, OAuth2Credentials)
                        and current.access_token == failed
                    )
                except errors.PinterestError as refused:
                    refused.credentials = self.credentials
                    raise
                call = runtime().instantiate()
                continue
            if sent is credentials:
                taken, refreshed = self._take(field(value, "credentials"))
            else:
                taken, refreshed = credentials, attempt == 2
            error.credentials = taken
            error.refreshed = refreshed
            raise error
        raise AssertionError("unreachable: the second attempt returns or raises")

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
        if self.store is not None:
            # Compare-and-set: a store that moved on keeps its newer state.
            stored = self.store.load()
            if stored is None or stored.credentials != credentials:
                self.store.save(0 if stored is None else stored.generation, credentials)
        with self._lock:
            self._credentials = credentials
        if self.on_credentials is not None:
            self.on_credentials(credentials)


class ReportDownload:
    """A finished report's bytes: iterate for the chunks, or :meth:`save`."""

    def __init__(self, call: Call, resource: Any, size: Optional[int]) -> None:
        self._call = call
        self._resource: Any = resource
        self.size = size
        """The report's size in bytes as Pinterest announced it, if it did."""

    def __iter__(self) -> Iterator[bytes]:
        try:
            while self._resource is not None:
                ok, value = self._call.invoke("jobs", "[method]report-download.next", self._resource)
                if not ok:
                    raise _convert.error_out(value)
                if value is None:
                    return
                yield bytes(value)
        finally:
            self.close()

    def save(self, into: "Union[str, os.PathLike[str], BinaryIO]") -> int:
        """Writes the report to a path or a binary file object as it
        downloads: the bytes written."""
        if isinstance(into, (str, os.PathLike)):
            with open(into, "wb") as file:
                return self._write(file)
        return self._write(into)

    def _write(self, file: BinaryIO) -> int:
        written = 0
        for chunk in self:
            file.write(chunk)
            written += len(chunk)
        return written

    def close(self) -> None:
        """Stops the download."""
        if self._resource is not None:
            self._call.drop(self._resource)
            self._resource = None


def _video_type(name: str) -> str:
    """A video's content type from its file name's extension."""
    extension = os.path.splitext(name)[1].lower()
    if extension in (".mp4", ".m4v"):
        return "video/mp4"
    if extension == ".mov":
        return "video/quicktime"
    raise errors.InvalidInput(
        "file.content-type", "say the video's content_type (the name is not .mp4, .m4v or .mov)"
    )


def _wait_in(max_polls: Optional[int], poll_interval_ms: Optional[int]) -> Optional[Record]:
    """A job's wait as the WIT ``job-wait``; none for the component's."""
    if max_polls is None and poll_interval_ms is None:
        return None
    return record(
        max_polls=60 if max_polls is None else max_polls,
        poll_interval_ms=5000 if poll_interval_ms is None else poll_interval_ms,
    )


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
