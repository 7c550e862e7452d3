"""Many callers, one account: threads of one connector and processes on one
credentials file refresh once, against the mock's token endpoint, which
revokes a refresh token once used (401, code 283). The refreshes are
counted by a loopback token endpoint in front of the mock's."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable, List

import pytest

from pinterest_connector import (
    Connector,
    Credentials,
    FileStore,
    MemoryStore,
    OAuth2Credentials,
    Unauthorized,
    oauth,
)

from conftest import Mock, TokenCounter, logged_in


def at_once(count: int, action: Callable[[], Any]) -> List[Any]:
    """``action`` on ``count`` threads released together: what each
    returned or raised."""
    barrier = threading.Barrier(count)

    def run(_: int) -> Any:
        barrier.wait()
        try:
            return action()
        except Exception as error:  # noqa: BLE001 - collected for the assertions
            return error

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


def test_eight_threads_of_one_connector_refresh_an_expired_token_once(
    mock: Mock, tokens: TokenCounter
) -> None:
    expired = replace(logged_in(mock, tokens.url), expires_at=1)
    saved: List[Credentials] = []
    connector = Connector(expired, api_base=mock.production, on_credentials=saved.append)
    results = at_once(8, connector.verify)
    assert [r.username for r in results] == ["mock_user"] * 8, results
    assert tokens.refreshes == 1
    assert len(saved) == 1, "the callback persists once"
    assert connector.credentials == saved[0]


def test_a_token_refused_for_every_thread_is_refreshed_once(
    mock: Mock, tokens: TokenCounter
) -> None:
    # Not expired by its instant, but the API refuses it (revoked early):
    # each thread's call gets a 401.
    revoked = replace(
        logged_in(mock, tokens.url), access_token="revoked-early-token", expires_at=4_000_000_000
    )
    saved: List[Credentials] = []
    connector = Connector(revoked, api_base=mock.production, on_credentials=saved.append)
    results = at_once(8, lambda: connector.call("GET /pins", query={"page_size": 2}))
    assert [r.status for r in results] == [200] * 8, results
    assert tokens.refreshes == 1
    assert len(saved) == 1


def test_processes_sharing_a_credentials_file_refresh_once(
    mock: Mock, tokens: TokenCounter, tmp_path: Path
) -> None:
    path = tmp_path / "credentials.json"
    store = FileStore(path)
    assert store.save(0, replace(logged_in(mock, tokens.url), expires_at=1))
    script = (
        "import sys\n"
        "from pinterest_connector import Connector, FileStore\n"
        "connector = Connector(store=FileStore(sys.argv[1]), api_base=sys.argv[2])\n"
        "print(connector.verify().username)\n"
    )
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(path), mock.production],
            env=dict(os.environ),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    for run in runs:
        out, err = run.communicate(timeout=120)
        assert run.returncode == 0, err
        assert out.strip() == "mock_user"
    assert tokens.refreshes == 1, "one refresh for 4 processes"
    stored = store.load()
    assert stored is not None and stored.generation == 2
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    # What the file holds is live: another process needs no refresh.
    assert Connector(store=store, api_base=mock.production).verify().username == "mock_user"
    assert tokens.refreshes == 1
    # The CLI's format: the credentials' own fields, plus the generation.
    written = json.loads(path.read_text())
    assert written["kind"] == "oauth2" and written["generation"] == 2


def test_a_spent_refresh_token_is_refused_once_and_remembered(
    mock: Mock, tokens: TokenCounter
) -> None:
    credentials = logged_in(mock, tokens.url)
    oauth.refresh(credentials)  # refreshed elsewhere, never stored: spent
    assert tokens.refreshes == 1
    store = MemoryStore(replace(credentials, expires_at=1))
    connectors = [Connector(store=store, api_base=mock.production) for _ in range(4)]
    for wave in range(2):
        results = at_once(8, lambda: connectors[threading.get_ident() % 4].verify())
        for error in results:
            assert isinstance(error, Unauthorized), error
            assert "re-authenticate" in error.message, error.message
        assert tokens.refreshes == 2, f"wave {wave}: one refused refresh, then none"
    stored = store.load()
    assert stored is not None and stored.refresh_refused


def test_a_store_saves_only_over_the_generation_it_read(tmp_path: Path) -> None:
    for store in (MemoryStore(), FileStore(tmp_path / "nested" / "credentials.json")):
        first = OAuth2Credentials("app", "secret", "access-1", refresh_token="refresh-1")
        assert store.load() is None
        assert store.save(0, first)
        assert not store.save(0, replace(first, access_token="stale")), "an older state loses"
        stored = store.load()
        assert stored is not None and stored.credentials == first and stored.generation == 1
        assert store.save(1, first, refresh_refused=True)
        stored = store.load()
        assert stored is not None and stored.refresh_refused
        with store.lease(timeout=1):
            pass
        assert "secret" not in repr(store) and "access-1" not in repr(store)
