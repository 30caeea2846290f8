"""A 200 MB 执法记录仪 video over the resumable upload against a real uvicorn server: the
connection drops in the middle of a chunk, the upload resumes from the offset the server kept,
and the finished file becomes the case's evidence — hashed, checked and linked from disk, never
held in memory. The time and the process's memory growth are measured and written to
`test-artifacts/upload-figures.json` (the closing note of issue 11 quotes them)."""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from sqlmodel import select

from cases.models import CaseEvidence
from tests.api import samples
from tests.api.support import build
from tests.integration.conftest import County

pytestmark = pytest.mark.integration
SIZE_MB = 200
CHUNK = 8 * 1024 * 1024
ROOT = Path(__file__).resolve().parents[2]
TUS = {"Tus-Resumable": "1.0.0"}


SERVER = """
import sys
from pathlib import Path

import uvicorn

from api.evidence import EvidenceStore
from api.main import create_app
from cases.db import make_engine
from tests.api.support import DirStore, FakeRenderer, api_settings

url, root, port = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
app = create_app(engine=make_engine(url), settings=api_settings(root), renderer=FakeRenderer(),
                 document_store=DirStore(root / "documents"), evidence_store=EvidenceStore(root / "ev"))
uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
"""


def _status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


@contextmanager
def upload_server(url: str, root: Path) -> Iterator[tuple[str, int]]:
    """The app in a uvicorn process of its own (so its memory is the server's alone): (address, pid)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-c", SERVER, url, str(root), str(port)], cwd=ROOT)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None and time.monotonic() < deadline, "the upload server did not start"
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}", proc.pid
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _chunks(path: Path, start: int, stop: int) -> Iterator[tuple[int, bytes]]:
    with open(path, "rb") as handle:
        handle.seek(start)
        offset = start
        while offset < stop:
            data = handle.read(min(CHUNK, stop - offset))
            yield offset, data
            offset += len(data)


class Dropped(Exception):
    pass


def _offset(client: httpx.Client, location: str) -> int:
    return int(client.head(location).headers["upload-offset"])


def resume(client: httpx.Client, location: str, video: Path, size: int, case_id: int, api) -> int:  # noqa: ANN001
    """As a tus client resumes: ask the server for its offset, send from there; a 409 or a 503
    (the server was still closing the dropped request, whose upload lock tuspyserver answers with
    503 while it is held; tus-js-client in the pages retries both) means ask again. Returns the
    offset first resumed from."""
    kept = _offset(client, location)
    assert 0 < kept < size  # what arrived before the drop is kept
    with api.county.session() as s:
        assert s.exec(select(CaseEvidence).where(CaseEvidence.case_id == case_id)).first() is None
    offset, tries = kept, 0
    while offset < size:
        with open(video, "rb") as handle:
            handle.seek(offset)
            data = handle.read(min(CHUNK, size - offset))
        sent = client.patch(location, content=data, headers={
            "Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream"})
        if sent.status_code in (409, 503) and tries < 20:
            tries += 1
            time.sleep(0.1)
            offset = _offset(client, location)
            kept = min(kept, offset) if offset else kept
            continue
        assert sent.status_code == 204, sent.text
        offset = int(sent.headers["upload-offset"])
    return kept


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_200_mb_video_interrupted_and_resumed(county: County, tmp_path: Path) -> None:
    api = build(county, tmp_path)
    case_id = api.assigned_case()
    video = tmp_path / "执法记录仪_0316.mp4"
    samples.write_mp4(video, SIZE_MB)
    size = video.stat().st_size
    digest = hashlib.sha256()
    with open(video, "rb") as handle:
        while piece := handle.read(1024 * 1024):
            digest.update(piece)
    sha = digest.hexdigest()
    auth = api.auth("education03")
    meta = ",".join(f"{k} {base64.b64encode(str(v).encode()).decode()}" for k, v in {
        "case_id": case_id, "filename": video.name, "filetype": "video/mp4", "sha256": sha,
        "device_time": "2026-03-16T09:10:00+08:00"}.items())
    figures: dict[str, float] = {}

    with upload_server(str(county.engine.url), tmp_path) as (url, pid):
        with httpx.Client(base_url=url, headers={**auth, **TUS}, timeout=60) as client:
            base = _status_kb(pid, "VmRSS")
            started = time.perf_counter()
            made = client.post("/api/v1/uploads", headers={"Upload-Length": str(size), "Upload-Metadata": meta})
            assert made.status_code == 201, made.text
            location = made.headers["location"]
            cut = size * 45 // 100  # the network drops here, in the middle of a chunk
            for offset, data in _chunks(video, 0, cut - cut % CHUNK):
                sent = client.patch(location, content=data, headers={
                    "Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream"})
                assert sent.status_code == 204, sent.text

            def dropping() -> Iterator[bytes]:
                with open(video, "rb") as handle:
                    handle.seek(cut - cut % CHUNK)
                    yield handle.read(CHUNK // 2)  # half a chunk arrives, then the connection dies
                raise Dropped

            with pytest.raises((Dropped, httpx.HTTPError)):
                client.patch(location, content=dropping(), headers={
                    "Upload-Offset": str(cut - cut % CHUNK), "Content-Type": "application/offset+octet-stream",
                    "Content-Length": str(CHUNK)})
            kept = resume(client, location, video, size, case_id, api)
            figures["seconds"] = round(time.perf_counter() - started, 2)
            peak = _status_kb(pid, "VmHWM")  # the server process's peak resident set, from its start
        figures["server_rss_before_mb"] = round(base / 1024, 1)
        figures["server_rss_peak_mb"] = round(peak / 1024, 1)
        figures["server_rss_growth_mb"] = round((peak - base) / 1024, 1)
        figures["resumed_from_mb"] = round(kept / 1024 / 1024, 1)

    figures["size_mb"] = round(size / 1024 / 1024, 1)
    with api.county.session() as s:
        [row] = s.exec(select(CaseEvidence).where(CaseEvidence.case_id == case_id)).all()
    assert (row.sha256, row.size, row.content_type, row.capture_source) == (sha, size, "video/mp4", "mp4")
    stored = api.app.state.evidence_store.root / row.path
    again = hashlib.sha256()
    with open(stored, "rb") as handle:
        while piece := handle.read(1024 * 1024):
            again.update(piece)
    assert again.hexdigest() == sha
    # streamed to disk: the process grew by far less than the video (a 200 MB body in memory would show)
    assert figures["server_rss_growth_mb"] < 64, figures
    out = ROOT / "test-artifacts"
    out.mkdir(exist_ok=True)
    (out / "upload-figures.json").write_text(json.dumps(figures, ensure_ascii=False, indent=1))
    print("\nupload figures:", figures)
