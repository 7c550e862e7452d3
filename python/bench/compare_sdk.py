"""One verify and a 10 000-item walk through this package and through
Pinterest's own Python SDK (pinterest-api-sdk), against the same mock.

Run by `cargo xtask bench --python-only` (crates/bench/src/python.rs), which
starts the mock with 10 000 pins, builds and installs the wheel, and passes
the mock's base and token in MOCK_PRODUCTION_BASE and MOCK_ACCESS_TOKEN.
Prints one JSON object: each figure's samples, in seconds.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from typing import Any, Callable, Dict, List

BASE = os.environ["MOCK_PRODUCTION_BASE"]
TOKEN = os.environ["MOCK_ACCESS_TOKEN"]
RUNS = int(os.environ.get("RUNS", "5"))
VERIFIES = int(os.environ.get("VERIFIES", "50"))
EXPECTED = int(os.environ.get("EXPECTED_ITEMS", "10000"))

# The SDK reads its API base when its config module is imported.
os.environ["PINTEREST_API_URI"] = BASE
os.environ["PINTEREST_ACCESS_TOKEN"] = TOKEN


def timed(action: Callable[[], Any], runs: int) -> List[float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return samples


def connector_figures() -> Dict[str, Any]:
    started = time.perf_counter()
    from pinterest_connector import Connector, OAuth2Credentials

    connector = Connector(
        OAuth2Credentials(client_id="bench", client_secret="bench", access_token=TOKEN),
        api_base=BASE,
    )
    first = connector.verify()
    first_call = time.perf_counter() - started
    assert first.username == "mock_user"

    def walk() -> None:
        count = sum(1 for _ in connector.items("GET /pins", query={"page_size": 250}))
        assert count == EXPECTED, count

    return {
        "first_call_s": first_call,
        "first_call_cached_s": cached_first_call(),
        "verify_s": timed(lambda: connector.verify(), VERIFIES),
        "walk_s": timed(walk, RUNS),
    }


FIRST_CALL = '''
import time
started = time.perf_counter()
import pinterest_connector as pc
pc.configure(compile_cache=True)
from pinterest_connector import Connector, OAuth2Credentials
Connector(OAuth2Credentials("bench", "bench", TOKEN), api_base=BASE).verify()
print(time.perf_counter() - started)
'''


def cached_first_call() -> float:
    """The first verify of a process whose compiled component is in
    wasmtime's cache (a fresh cache, filled by one process before)."""
    import subprocess
    import tempfile

    script = FIRST_CALL.replace("TOKEN", repr(TOKEN)).replace("BASE", repr(BASE))
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "HOME": home, "XDG_CACHE_HOME": home}
        times = []
        for _ in range(2):
            run = subprocess.run(
                [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
            )
            times.append(float(run.stdout))
    return times[1]


def sdk_figures() -> Dict[str, Any]:
    started = time.perf_counter()
    from openapi_generated.pinterest_client.api.user_account_api import UserAccountApi
    from pinterest.client import PinterestSDKClient
    from pinterest.organic.pins import Pin

    client = PinterestSDKClient.create_client_with_token(TOKEN)
    accounts = UserAccountApi(client)
    first = accounts.user_account_get()
    first_call = time.perf_counter() - started
    assert first.username == "mock_user"

    def walk() -> None:
        pins, bookmark = Pin.get_all(page_size=250, client=client)
        count = len(pins)
        while bookmark is not None:
            pins, bookmark = bookmark.get_next()
            count += len(pins)
        assert count == EXPECTED, count

    return {
        "first_call_s": first_call,
        "verify_s": timed(lambda: accounts.user_account_get(), VERIFIES),
        "walk_s": timed(walk, RUNS),
    }


def main() -> None:
    figures = {"connector": connector_figures(), "sdk": sdk_figures()}
    json.dump(figures, sys.stdout)
    print()
    for name, values in figures.items():
        print(
            f"{name}: first call {values['first_call_s'] * 1000:.0f} ms, "
            f"verify {statistics.median(values['verify_s']) * 1000:.2f} ms, "
            f"walk {statistics.median(values['walk_s']) * 1000:.0f} ms",
            file=sys.stderr,
        )


if __name__ == "__main__":
    main()
