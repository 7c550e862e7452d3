"""Triggers: what a poll watches, and what it found.

The component remembers nothing between polls: the cursor a poll returns is
the program's to store, like rotated credentials, and to pass to the next.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, List, Mapping, Optional, Tuple

from .errors import PinterestError


@dataclass(frozen=True)
class Trigger:
    """What a poll watches; make one with the class methods."""

    kind: str
    """``new-pin``, ``new-pin-on-board``, ``new-pin-in-section``,
    ``new-board`` or ``list``."""
    board_id: Optional[str] = None
    section_id: Optional[str] = None
    endpoint: Optional[str] = None
    path: Tuple[Tuple[str, str], ...] = ()
    query: Tuple[Tuple[str, str], ...] = ()
    id_field: str = "id"
    time_field: str = "created_at"
    newest_first: bool = False

    @classmethod
    def new_pin(cls) -> "Trigger":
        """A new pin of the user (``GET /pins``, newest first)."""
        return cls("new-pin")

    @classmethod
    def new_pin_on_board(cls, board_id: str) -> "Trigger":
        """A new pin on a board (its pins walked whole: they can be rearranged)."""
        return cls("new-pin-on-board", board_id=board_id)

    @classmethod
    def new_pin_in_section(cls, board_id: str, section_id: str) -> "Trigger":
        """A new pin in a board section."""
        return cls("new-pin-in-section", board_id=board_id, section_id=section_id)

    @classmethod
    def new_board(cls) -> "Trigger":
        """A new board of the user (walked whole: the user orders them)."""
        return cls("new-board")

    @classmethod
    def list(
        cls,
        endpoint: str,
        *,
        id_field: str,
        time_field: str,
        path: Optional[Mapping[str, str]] = None,
        query: Optional[Mapping[str, str]] = None,
        newest_first: bool = False,
    ) -> "Trigger":
        """A new item of any bookmark-paginated list: ``id_field``
        identifies an item, ``time_field`` dates it (ISO 8601 or Unix
        seconds); ``newest_first`` lets a poll stop at the first old item."""
        return cls(
            "list",
            endpoint=endpoint,
            path=tuple((name, str(value)) for name, value in (path or {}).items()),
            query=tuple((name, str(value)) for name, value in (query or {}).items()),
            id_field=id_field,
            time_field=time_field,
            newest_first=newest_first,
        )


@dataclass(frozen=True)
class NewItem:
    """A new item, as the list answered it."""

    id: str
    created_at: int
    """Its date, in Unix seconds."""
    text: str = field(repr=False)
    """The item as JSON text."""

    def json(self) -> Any:
        """The item parsed."""
        return json.loads(self.text)


@dataclass(frozen=True)
class PollResult:
    """What one poll found."""

    items: List[NewItem]
    """The new items, oldest first, each handed over once."""
    cursor: str
    """Store it, and pass it to the next poll."""
    more: bool
    """The poll stopped before the end of what is new: poll again soon."""
    interrupted: Optional[PinterestError] = None
    """The error that broke the poll off after it had read something:
    ``items`` holds what it found and ``cursor`` resumes after them."""
