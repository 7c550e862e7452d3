"""Where an account's credentials live when many callers share them.

A store holds one account's credentials with a *generation* (how many saves
it has taken) and a refresh *lease* (one caller at a time refreshes):

- :meth:`load` answers what the last save wrote, or ``None``;
- :meth:`save` writes only when the stored generation is still the one the
  caller read (compare-and-set), so an older state never overwrites a newer
  one, and answers whether it wrote;
- :meth:`lease` is a context manager held by one caller at a time; waiting
  for it longer than its timeout raises :class:`LeaseTimeout`.

:class:`MemoryStore` is for threads of one process (several connectors on
one account); :class:`FileStore` for processes sharing a credentials file.
The file is the one the ``pinterest-connector`` CLI reads and writes, with
the same locks (``<file>.lock`` around a save, ``<file>.lease`` for the
refresh, both ``flock``), so Python programs and the CLI can share one.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import threading
import time
from dataclasses import dataclass
from typing import Any, ContextManager, Dict, Iterator, Optional, Protocol

from .credentials import Credentials, credentials_from_dict

LEASE_POLL_SECONDS = 0.025
"""How often a caller waiting for the lease asks again."""


class LeaseTimeout(RuntimeError):
    """The refresh lease stayed taken for longer than the caller waits."""


@dataclass(frozen=True)
class Stored:
    """One account's credentials as a store holds them."""

    credentials: Credentials
    generation: int
    """How many saves the store has taken: 1 after the first."""
    refresh_refused: bool = False
    """The token endpoint refused the stored refresh token: authorise again."""


class CredentialStore(Protocol):
    """What a connector needs of a store (see the module's docs)."""

    def load(self) -> Optional[Stored]:
        """The stored credentials, or ``None`` before the first save."""

    def save(self, expected: int, credentials: Credentials, refresh_refused: bool = False) -> bool:
        """Writes ``credentials`` if the store is still at ``expected``."""

    def lease(self, timeout: float = 30.0) -> ContextManager[None]:
        """The refresh lease, held for a ``with`` block."""


class MemoryStore:
    """Credentials in this process's memory, shared by connectors and threads."""

    def __init__(self, credentials: Optional[Credentials] = None) -> None:
        self._lock = threading.Lock()
        self._lease = threading.Lock()
        self._stored = None if credentials is None else Stored(credentials, 1)

    def load(self) -> Optional[Stored]:
        with self._lock:
            return self._stored

    def save(self, expected: int, credentials: Credentials, refresh_refused: bool = False) -> bool:
        with self._lock:
            current = 0 if self._stored is None else self._stored.generation
            if current != expected:
                return False
            self._stored = Stored(credentials, current + 1, refresh_refused)
            return True

    @contextlib.contextmanager
    def lease(self, timeout: float = 30.0) -> Iterator[None]:
        if not self._lease.acquire(timeout=timeout):
            raise LeaseTimeout(f"the refresh lease stayed taken for {timeout} s")
        try:
            yield
        finally:
            self._lease.release()

    def __repr__(self) -> str:
        return "MemoryStore()"


class FileStore:
    """Credentials in a file shared by the processes of one machine.

    The file is JSON (the credentials' ``to_dict`` plus ``generation`` and
    ``refresh_refused``), created with mode 0600 and only ever replaced
    whole (a temporary file in the same folder renamed over it). The OS
    releases a ``flock`` when its holder exits, however it exits, so a
    process killed while refreshing frees the lease at once.
    """

    def __init__(self, path: "os.PathLike[str] | str") -> None:
        self.path = os.fspath(path)

    def __repr__(self) -> str:
        return f"FileStore({self.path!r})"

    def load(self) -> Optional[Stored]:
        try:
            with open(self.path, "rb") as file:
                values: Dict[str, Any] = json.load(file)
        except FileNotFoundError:
            return None
        except ValueError:
            # The parser's message may quote a value: a token in the wrong field.
            raise ValueError(f"the credentials file {self.path} is not valid JSON") from None
        try:
            credentials = credentials_from_dict(values)
        except (KeyError, TypeError, ValueError):
            raise ValueError(f"the credentials file {self.path} holds no credentials") from None
        return Stored(
            credentials,
            int(values.get("generation", 0)),
            bool(values.get("refresh_refused", False)),
        )

    def save(self, expected: int, credentials: Credentials, refresh_refused: bool = False) -> bool:
        with _locked(self.path + ".lock"):
            current = self.load()
            generation = 0 if current is None else current.generation
            if generation != expected:
                return False
            values = credentials.to_dict()
            values["generation"] = generation + 1
            if refresh_refused:
                values["refresh_refused"] = True
            _write_private(self.path, json.dumps(values, indent=2).encode())
            return True

    @contextlib.contextmanager
    def lease(self, timeout: float = 30.0) -> Iterator[None]:
        import fcntl  # Unix only, as the lock files' semantics are

        deadline = time.monotonic() + timeout
        fd = _lock_file(self.path + ".lease")
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise LeaseTimeout(
                            f"the refresh lease of {self.path} stayed taken for {timeout} s"
                        ) from None
                    time.sleep(LEASE_POLL_SECONDS)
            yield
        finally:
            # Closing the file releases the lock.
            os.close(fd)


def _lock_file(path: str) -> int:
    """A lock file beside the credentials, created 0600 (its folder too)."""
    folder = os.path.dirname(path)
    if folder:
        os.makedirs(folder, exist_ok=True)
    return os.open(path, os.O_RDWR | os.O_CREAT, 0o600)


@contextlib.contextmanager
def _locked(path: str) -> Iterator[None]:
    """An exclusive ``flock`` on the lock file ``path``, waited for and held
    for the block."""
    import fcntl

    fd = _lock_file(path)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _write_private(path: str, data: bytes) -> None:
    """Replaces ``path`` with ``data`` atomically, readable by the owner alone."""
    folder = os.path.dirname(path) or "."
    os.makedirs(folder, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=".pinterest-connector-", suffix=".tmp", dir=folder)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
