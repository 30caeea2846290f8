"""Evidence that holds up: original bytes kept (EXIF and all), the device's SHA-256 verified,
capture time read from the file, device time and position recorded, every upload an event in the
case's hash chain — and videos through the resumable (tus) upload, owned by their uploader."""

from __future__ import annotations

import base64
import hashlib
import io
from datetime import UTC, datetime

import pytest
from PIL import Image
from sqlmodel import select

from cases.audit import verify_chain
from cases.enums import CaseEventType
from cases.models import CaseEvent, CaseEvidence
from tests.api import samples
from tests.api.support import Api

pytestmark = pytest.mark.api
TUS = {"Tus-Resumable": "1.0.0"}
CREATED = 1_773_621_667  # 2026-03-16 00:41:07 UTC


def metadata(**fields: object) -> str:
    return ",".join(f"{k} {base64.b64encode(str(v).encode()).decode()}" for k, v in fields.items())


def create(api: Api, user: str, size: int, **meta: object):  # noqa: ANN201
    return api.post("/api/v1/uploads", user, headers={**TUS, "Upload-Length": str(size),
                                                      "Upload-Metadata": metadata(**meta)})


def patch(api: Api, user: str, location: str, offset: int, chunk: bytes):  # noqa: ANN201
    return api.client.patch(location, content=chunk, headers={
        **api.auth(user), **TUS, "Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream"})


def evidence_rows(api: Api, case_id: int) -> list[CaseEvidence]:
    with api.county.session() as s:
        return list(s.exec(select(CaseEvidence).where(CaseEvidence.case_id == case_id)).all())


def upload_events(api: Api, case_id: int) -> list[CaseEvent]:
    with api.county.session() as s:
        return [e for e in s.exec(select(CaseEvent).where(CaseEvent.case_id == case_id)
                                  .order_by(CaseEvent.seq)).all() if e.event_type == CaseEventType.UPLOAD_EVIDENCE]


def test_photo_kept_byte_for_byte_with_its_capture_time_device_time_and_position(api: Api) -> None:
    case_id = api.assigned_case()
    photo = samples.photo_with_exif("2026:03:16 08:41:07", "+08:00")
    sha = hashlib.sha256(photo).hexdigest()
    api.clock.set("2026-03-16 09:00")
    answer = api.post(f"/api/v1/cases/{case_id}/evidence", "education03",
                      files={"file": ("IMG_0412.jpg", photo, "image/jpeg")},
                      data={"sha256": sha, "device_time": "2026-03-16T08:59:30+08:00", "latitude": "27.0983",
                            "longitude": "106.7372", "accuracy": "12.5"})
    assert answer.status_code == 201, answer.text
    got = api.get(f"/api/v1/cases/{case_id}/evidence/{sha}", "education03")
    assert got.content == photo  # byte-identical: nothing re-encoded
    with Image.open(io.BytesIO(got.content)) as image:
        assert image.getexif().get_ifd(0x8769)[36867] == "2026:03:16 08:41:07"
    [row] = evidence_rows(api, case_id)
    assert row.captured_at == datetime(2026, 3, 16, 0, 41, 7, tzinfo=UTC) and row.capture_source == "exif"
    assert row.device_at == datetime(2026, 3, 16, 0, 59, 30, tzinfo=UTC)
    assert (row.latitude, row.longitude, row.accuracy_m) == (27.0983, 106.7372, 12.5)
    assert row.uploaded_at.replace(microsecond=0) == datetime(2026, 3, 16, 1, 0, tzinfo=UTC)  # server receipt
    [event] = upload_events(api, case_id)
    assert event.actor_id == api.county.officer("education03").id and event.payload["sha256"] == sha
    assert event.payload["captured_at"] == "2026-03-16T00:41:07+00:00" and event.payload["latitude"] == 27.0983
    with api.county.session() as s:
        chain = s.exec(select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.seq)).all()
        assert verify_chain(chain) is None


def test_a_photo_without_offset_is_read_as_china_time_and_one_without_exif_has_none(api: Api) -> None:
    case_id = api.assigned_case()
    bare = samples.photo_with_exif("2026:03:15 17:05:00", None)
    plain = samples.image("JPEG", (10, 200, 10), (32, 32))
    for name, content in (("a.jpg", bare), ("b.jpg", plain)):
        assert api.post(f"/api/v1/cases/{case_id}/evidence", "education03",
                        files={"file": (name, content, "image/jpeg")}).status_code == 201
    rows = {r.filename: r for r in evidence_rows(api, case_id)}
    assert rows["a.jpg"].captured_at == datetime(2026, 3, 15, 9, 5, tzinfo=UTC)
    assert rows["b.jpg"].captured_at is None and rows["b.jpg"].capture_source == ""
    assert rows["b.jpg"].latitude is None and rows["b.jpg"].device_at is None


def test_hash_mismatch_is_refused_in_chinese_and_stores_nothing(api: Api) -> None:
    case_id = api.assigned_case()
    photo = samples.photo_with_exif()
    wrong = hashlib.sha256(photo + b"x").hexdigest()
    answer = api.post(f"/api/v1/cases/{case_id}/evidence", "education03",
                      files={"file": ("p.jpg", photo, "image/jpeg")}, data={"sha256": wrong})
    assert answer.status_code == 422 and answer.json()["code"] == "evidence_hash_mismatch"
    assert "SHA-256" in answer.json()["message"] and "未存档" in answer.json()["message"]
    assert evidence_rows(api, case_id) == [] and upload_events(api, case_id) == []
    stored = [p for p in (api.app.state.evidence_store.root).rglob("*") if p.is_file() and ".incoming" not in p.parts]
    assert stored == []
    bad_position = api.post(f"/api/v1/cases/{case_id}/evidence", "education03",
                            files={"file": ("p.jpg", photo, "image/jpeg")}, data={"latitude": "95", "longitude": "1"})
    assert bad_position.status_code == 422 and bad_position.json()["code"] == "evidence_position"


def test_a_video_is_refused_on_the_photo_upload_and_pointed_to_the_resumable_one(api: Api) -> None:
    case_id = api.assigned_case()
    answer = api.post(f"/api/v1/cases/{case_id}/evidence", "education03",
                      files={"file": ("v.mp4", samples.mp4(), "video/mp4")})
    assert answer.status_code == 415 and answer.json()["code"] == "evidence_video_tus"


def test_video_by_resumable_upload_becomes_evidence_with_its_creation_time(api: Api) -> None:
    case_id = api.assigned_case()
    video = samples.mp4(CREATED, bytes(range(256)) * 2048)  # half a MB
    sha = hashlib.sha256(video).hexdigest()
    made = create(api, "education03", len(video), case_id=case_id, filename="执法记录仪_0316.mp4",
                  filetype="video/mp4", sha256=sha, device_time="2026-03-16T09:10:00+08:00")
    assert made.status_code == 201, made.text
    location = made.headers["location"]
    assert location.rsplit("/", 1)[1].startswith(f"{api.county.officer('education03').id}-")
    half = len(video) // 2
    first = patch(api, "education03", location, 0, video[:half])
    assert first.status_code == 204 and first.headers["upload-offset"] == str(half)
    head = api.client.head(location, headers={**api.auth("education03"), **TUS})
    assert head.headers["upload-offset"] == str(half)
    assert evidence_rows(api, case_id) == []  # nothing is evidence before the last byte
    last = patch(api, "education03", location, half, video[half:])
    assert last.status_code == 204, last.text
    [row] = evidence_rows(api, case_id)
    assert (row.sha256, row.content_type, row.size) == (sha, "video/mp4", len(video))
    assert row.captured_at == datetime.fromtimestamp(CREATED, UTC) and row.capture_source == "mp4"
    assert row.device_at == datetime(2026, 3, 16, 1, 10, tzinfo=UTC)
    got = api.get(f"/api/v1/cases/{case_id}/evidence/{sha}", "education03")
    assert got.status_code == 200 and hashlib.sha256(got.content).hexdigest() == sha
    assert got.headers["content-type"] == "video/mp4"
    incoming = api.app.state.evidence_store.root / ".incoming"
    assert [p for p in incoming.iterdir() if p.is_file()] == []  # the finished upload left nothing behind
    [event] = upload_events(api, case_id)
    assert event.payload["sha256"] == sha and event.payload["capture_source"] == "mp4"


def test_resumable_upload_rules(api: Api) -> None:
    case_id = api.assigned_case()
    video = samples.mp4(CREATED)
    sha = hashlib.sha256(video).hexdigest()
    meta = dict(case_id=case_id, filename="v.mp4", filetype="video/mp4", sha256=sha)
    assert api.client.post("/api/v1/uploads", headers={**TUS, "Upload-Length": "10",
                                                       "Upload-Metadata": metadata(**meta)}).status_code == 401
    outsider = create(api, "education05", len(video), **meta)  # an officer not on the team
    assert outsider.status_code == 403, outsider.text
    no_hash = create(api, "education03", len(video), **{**meta, "sha256": ""})
    assert no_hash.status_code == 422 and no_hash.json()["code"] == "evidence_hash_invalid"
    too_big = create(api, "education03", 3 * 1024**3, **meta)
    assert too_big.status_code == 413 and "MB" in too_big.json()["message"]
    made = create(api, "education03", len(video), **meta)
    location = made.headers["location"]
    stolen = patch(api, "education04", location, 0, video)  # on the team, but not the uploader
    assert stolen.status_code == 403 and stolen.json()["code"] == "upload_not_yours"
    # the device's hash does not match the bytes: refused, nothing stored, the partial file gone
    other = create(api, "education03", len(video), **{**meta, "sha256": hashlib.sha256(b"other").hexdigest()})
    refused = patch(api, "education03", other.headers["location"], 0, video)
    assert refused.status_code == 422 and refused.json()["code"] == "evidence_hash_mismatch"
    assert evidence_rows(api, case_id) == []
    # a chunk larger than the configured chunk limit is cut off before it is read
    big = api.client.patch(location, content=b"\x00" * 10, headers={
        **api.auth("education03"), **TUS, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream",
        "Content-Length": str(api.app.state.settings.upload_chunk_max_bytes + 1)})
    assert big.status_code == 413
