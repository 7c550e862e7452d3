"""What the tests share: the mock Pinterest the Rust test started (its
addresses and the credentials it accepts come in the environment), and a
loopback server that counts what reaches it."""

from __future__ import annotations

import http.server
import os
import threading
from dataclasses import dataclass
from typing import Any, Iterator, List

from urllib.error import HTTPError
from urllib.parse import parse_qs, urlparse
from urllib.request import HTTPRedirectHandler, Request, build_opener

import pytest

from pinterest_connector import CallOptions, Connector, OAuth2Credentials, SandboxCredentials, oauth


def env(name: str) -> str:
    """The environment variable ``name``: the Rust test that starts the mock
    sets it, and a test without it fails (it is never skipped)."""
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f"{name} is set by the Rust test that starts the mock")
    return value


@dataclass(frozen=True)
class Mock:
    """The mock Pinterest: its two API bases and what it accepts."""

    production: str
    sandbox: str
    access_token: str
    sandbox_token: str
    client_id: str
    client_secret: str
    refresh_token: str

    def oauth2(self, access_token: str, **extra: Any) -> OAuth2Credentials:
        """OAuth2 credentials of the mock's app with ``access_token``."""
        return OAuth2Credentials(
            client_id=self.client_id,
            client_secret=self.client_secret,
            access_token=access_token,
            **extra,
        )

    def production_connector(self, **kwargs: Any) -> Connector:
        """A connector with the mock's good token, at its production base."""
        return Connector(self.oauth2(self.access_token), api_base=self.production, **kwargs)

    def sandbox_connector(self) -> Connector:
        """A connector with the mock's sandbox token, at its sandbox base."""
        return Connector(SandboxCredentials(self.sandbox_token), api_base=self.sandbox)


@pytest.fixture(scope="session")
def mock() -> Mock:
    return Mock(
        production=env("MOCK_PRODUCTION_BASE"),
        sandbox=env("MOCK_SANDBOX_BASE"),
        access_token=env("MOCK_ACCESS_TOKEN"),
        sandbox_token=env("MOCK_SANDBOX_TOKEN"),
        client_id=env("MOCK_CLIENT_ID"),
        client_secret=env("MOCK_CLIENT_SECRET"),
        refresh_token=env("MOCK_REFRESH_TOKEN"),
    )


def pin_id(index: int) -> str:
    """The id of the mock's seeded pin at ``index`` (newest first)."""
    return str(1_000_000_000_000 + index)


class Counter:
    """A loopback HTTP server that answers 500 to everything and counts it."""

    def __init__(self) -> None:
        self.requests: List[str] = []
        counter = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self) -> None:
                counter.requests.append(f"{self.command} {self.path}")
                self.send_response(500)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}/v5"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def counter() -> Iterator[Counter]:
    server = Counter()
    yield server
    server.close()


ONE_ATTEMPT = CallOptions(max_attempts=1)
"""Options that send each request once."""


def authorization_code(mock: Mock) -> str:
    """A code from the mock's authorization page, as a browser would get it."""
    url = oauth.authorize_url(
        mock.client_id,
        "http://127.0.0.1:8085/callback",
        ["pins:read", "user_accounts:read"],
        "state-1",
        authorization_endpoint=mock.production.removesuffix("/v5") + "/oauth/",
    )

    class Stop(HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    with pytest.raises(HTTPError) as redirect:  # the 302 urllib did not follow
        build_opener(Stop).open(Request(url))
    assert redirect.value.code == 302
    location = redirect.value.headers["Location"]
    query = parse_qs(urlparse(location).query)
    assert query["state"] == ["state-1"]
    return query["code"][0]


class TokenCounter:
    """A loopback token endpoint in front of the mock's: it counts the
    refresh requests that reach it and passes every request on unchanged
    (an oracle of what the connector sends, written apart from it)."""

    def __init__(self, mock: Mock) -> None:
        self.refreshes = 0
        self._lock = threading.Lock()
        target = mock.production + "/oauth/token"
        counter = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if "grant_type=refresh_token" in body.decode():
                    with counter._lock:
                        counter.refreshes += 1
                forwarded = Request(target, data=body, method="POST")
                for name in ("Authorization", "Content-Type"):
                    if self.headers.get(name):
                        forwarded.add_header(name, self.headers[name])
                try:
                    with build_opener().open(forwarded) as answer:
                        status, data = answer.status, answer.read()
                except HTTPError as refused:
                    status, data = refused.code, refused.read()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v5/oauth/token"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def tokens(mock: Mock) -> Iterator[TokenCounter]:
    server = TokenCounter(mock)
    yield server
    server.close()


def logged_in(mock: Mock, token_endpoint: str) -> OAuth2Credentials:
    """Fresh credentials from a code exchange at the mock, their refreshes
    sent to ``token_endpoint``."""
    from dataclasses import replace

    app = oauth.OAuthApp(mock.client_id, mock.client_secret, token_endpoint=mock.production + "/oauth/token")
    credentials = oauth.exchange_code(app, authorization_code(mock), "http://127.0.0.1:8085/callback")
    return replace(credentials, token_endpoint=token_endpoint)
