"""The jobs that span calls, through the installed wheel against the mock:
a video pin end to end (registration, a multipart upload to the mock's
S3-like host with ``Content-Length`` and no credentials, processing polls),
a failed processing, a wait that runs out and is taken up again, and an ads
report of tens of MB streamed a chunk at a time with flat memory. The mock
names its job hosts on loopback, which a loopback API base may reach."""

from __future__ import annotations

import hashlib
import io
import tracemalloc
from pathlib import Path
from typing import List, Tuple

import pytest

from pinterest_connector import InvalidInput, JobFailed, JobPending

from conftest import Mock, env

REPORT_REQUEST = {
    "start_date": "2024-01-01",
    "end_date": "2024-06-30",
    "granularity": "DAY",
    "level": "CAMPAIGN",
    "columns": ["SPEND_IN_DOLLAR"],
}


def test_a_video_pin_end_to_end(mock: Mock, tmp_path: Path) -> None:
    video = tmp_path / "clip.mp4"
    video.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 512)
    told: List[Tuple[int, int]] = []
    connector = mock.production_connector()
    media_id = connector.upload_media(
        video, progress=lambda sent, total: told.append((sent, total)), poll_interval_ms=1
    )
    size = video.stat().st_size
    assert told == [(0, size), (size, size)]
    pin = connector.call(
        "POST /pins",
        body={
            "board_id": env("MOCK_BOARD_ID"),
            "media_source": {
                "source_type": "video_id",
                "media_id": media_id,
                "cover_image_key_frame_time": 1,
            },
        },
    )
    assert pin.status == 201
    # A file object works as well as a path; its name gives the type.
    again = connector.upload_media(io.BytesIO(video.read_bytes()), file_name="again.mov", poll_interval_ms=1)
    assert again != media_id


def test_a_failed_processing_is_a_typed_job_failed(mock: Mock) -> None:
    connector = mock.production_connector()
    with pytest.raises(JobFailed) as raised:
        # A cover image in the video slot: Pinterest's processing fails it.
        connector.upload_media(
            io.BytesIO(b"\xff\xd8\xff\xe0 not a video"),
            file_name="cover.jpg",
            content_type="image/jpeg",
            poll_interval_ms=1,
        )
    assert raised.value.kind == "job-failed"
    assert raised.value.state == "failed" and raised.value.job == "media"
    with pytest.raises(InvalidInput) as refused:
        connector.upload_media(io.BytesIO(b"x"), file_name="clip.avi")
    assert refused.value.field == "file.content-type"


def test_a_wait_that_runs_out_is_pending_and_taken_up_later(mock: Mock) -> None:
    connector = mock.production_connector()
    with pytest.raises(JobPending) as pending:
        connector.upload_media(io.BytesIO(b"\x00" * 4096), file_name="slow.mp4", max_polls=1)
    error = pending.value
    assert error.job == "media" and error.polls == 1 and error.id
    assert connector.await_media(error.id, poll_interval_ms=1) == error.id


def test_a_report_of_tens_of_mb_streams_with_flat_memory(mock: Mock, tmp_path: Path) -> None:
    connector = mock.production_connector()
    ad_account = env("MOCK_AD_ACCOUNT_ID")
    token = connector.create_report(ad_account, REPORT_REQUEST)
    download = connector.download_report(ad_account, token, poll_interval_ms=1)
    expected = int(env("MOCK_REPORT_BYTES"))
    assert expected >= 16 << 20 and download.size == expected
    digest = hashlib.sha256()
    total = 0
    tracemalloc.start()
    try:
        for chunk in download:
            digest.update(chunk)
            total += len(chunk)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert total == expected
    assert digest.hexdigest() == env("MOCK_REPORT_SHA256")
    assert peak < 4 << 20, f"{peak} bytes held at once for a {expected}-byte report"
    # Or written to a file as it downloads.
    token = connector.create_report(ad_account, REPORT_REQUEST)
    written = connector.download_report(ad_account, token, poll_interval_ms=1).save(tmp_path / "r.csv")
    assert written == expected == (tmp_path / "r.csv").stat().st_size
