"""Triggers through the package: a new pin handed over once, the cursor the
program stores, a backlog, a cursor of another trigger refused."""

from __future__ import annotations

import pytest

from pinterest_connector import Connector, InvalidInput, Trigger

from conftest import Mock


def board_id(index: int) -> str:
    """The id of the mock's seeded board at ``index``."""
    return str(2_000_000_000_000 + index)


def create_pin(connector: Connector, title: str) -> str:
    body = {
        "board_id": board_id(0),
        "title": title,
        "media_source": {"source_type": "image_url", "url": "https://i.pinimg.com/x.jpg"},
    }
    created: str = connector.call("POST /pins", body=body).json()["id"]
    return created


def test_a_new_pin_is_handed_over_once_with_the_cursor_the_program_stores(mock: Mock) -> None:
    connector = mock.production_connector()
    start = connector.poll(Trigger.new_pin())
    assert start.items == [] and start.cursor and not start.more
    assert connector.poll(Trigger.new_pin(), start.cursor).items == []

    first, second = create_pin(connector, "first"), create_pin(connector, "second")
    found = connector.poll(Trigger.new_pin(), start.cursor)
    assert [item.id for item in found.items] == [first, second]
    assert [item.json()["title"] for item in found.items] == ["first", "second"]
    assert found.items[0].created_at <= found.items[1].created_at
    assert found.interrupted is None
    assert connector.poll(Trigger.new_pin(), found.cursor).items == []

    on_board = connector.poll(Trigger.new_pin_on_board(board_id(0)))
    with pytest.raises(InvalidInput) as raised:
        connector.poll(Trigger.new_board(), on_board.cursor)
    assert raised.value.field == "cursor"


def test_a_backlog_hands_over_the_most_recent_items_oldest_first(mock: Mock) -> None:
    connector = mock.production_connector()
    backlog = connector.poll(Trigger.new_board(), backlog=3)
    assert len(backlog.items) == 3
    dates = [item.created_at for item in backlog.items]
    assert dates == sorted(dates)
    listed = connector.poll(
        Trigger.list("GET /boards", id_field="id", time_field="created_at"), backlog=2
    )
    assert [item.id for item in listed.items] == [item.id for item in backlog.items[1:]]
