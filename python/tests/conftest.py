"""What the tests share: the mock Pinterest the Rust test started (its
addresses and the credentials it accepts come in the environment), and a
loopback server that counts what reaches it."""

from __future__ import annotations

import http.server
import os
import threading
from dataclasses import dataclass
from typing import Any, Iterator, List

import pytest

from pinterest_connector import CallOptions, Connector, OAuth2Credentials, SandboxCredentials


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
