"""Uploads must be what they claim (images decode, PDFs carry no actions) and count against quotas.

Attacks (before): a PNG header followed by an HTML page and a PDF with JavaScript were stored as
evidence; an anonymous client stored 96 MB before its first 429.
"""

from __future__ import annotations

import re
import zlib
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from tests.api import samples
from tests.api.support import Api, build
from tests.integration.conftest import County

pytestmark = pytest.mark.api
HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"


def upload(api: Api, case_id: int, name: str, content: bytes, user: str = "education03"):  # noqa: ANN201
    return api.post(f"/api/v1/cases/{case_id}/evidence", user, files={"file": (name, content, "image/png")})


def flate_stream(payload: bytes) -> bytes:
    packed = zlib.compress(payload)
    return (b"4 0 obj<</Type/ObjStm/N 1/First 4/Filter/FlateDecode/Length " + str(len(packed)).encode()
            + b">>stream\n" + packed + b"\nendstream endobj\n")


@pytest.mark.parametrize("name,content,code", [
    ("polyglot.png", samples.image("PNG") + HTML, "evidence_polyglot"),
    ("header-only.png", b"\x89PNG\r\n\x1a\n" + HTML, "evidence_polyglot"),
    ("magic.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "evidence_corrupt"),
    ("page.jpg", samples.image("JPEG") + HTML, "evidence_polyglot"),
    ("js.pdf", samples.pdf(b"/OpenAction<</S/JavaScript/JS(app.alert(1))>>"), "evidence_active_pdf"),
    ("escaped.pdf", samples.pdf(b"/OpenAction<</S/J#61vaScript/J#53(app.alert(1))>>"), "evidence_active_pdf"),
    ("launch.pdf", samples.pdf(b"/AA<</O<</S/Launch/F(cmd.exe)>>>>"), "evidence_active_pdf"),
    ("hidden.pdf", samples.pdf().replace(b"trailer", flate_stream(b"<</S/JavaScript/JS(x)>>") + b"trailer"),
     "evidence_active_pdf"),
])
def test_disguised_uploads_are_refused(api: Api, name: str, content: bytes, code: str) -> None:
    case_id = api.assigned_case()
    answer = upload(api, case_id, name, content)
    assert answer.status_code == 415 and answer.json()["code"] == code, answer.text


def test_genuine_files_are_accepted(api: Api) -> None:
    case_id = api.assigned_case()
    for name, content in [("a.png", samples.image("PNG")), ("b.jpg", samples.image("JPEG")),
                          ("c.webp", samples.image("WEBP")), ("d.pdf", samples.pdf())]:
        answer = upload(api, case_id, name, content)
        assert answer.status_code == 201, (name, answer.text)


def test_per_user_quota(county: County, tmp_path: Path) -> None:
    photo = samples.image("PNG", size=(64, 64))
    api = build(county, tmp_path, upload_user_bytes_per_day=2 * len(photo) + 10)
    case_id = api.assigned_case()
    assert upload(api, case_id, "1.png", photo).status_code == 201
    assert upload(api, case_id, "2.png", samples.image("PNG", (1, 2, 3), (64, 64))).status_code == 201
    third = upload(api, case_id, "3.png", samples.image("PNG", (4, 5, 6), (64, 64)))
    assert third.status_code == 429 and third.json()["code"] == "upload_quota"
    assert upload(api, case_id, "4.png", photo, user="education04").status_code == 201  # another user's own quota


def test_per_client_quota_for_the_public_form(county: County, tmp_path: Path) -> None:
    photo = samples.image("JPEG", size=(64, 64))
    api = build(county, tmp_path, upload_client_bytes_per_day=len(photo) + 10)
    inst = county.institution(0)

    def report(client: TestClient, colour: tuple[int, int, int]):  # noqa: ANN202
        form = client.get("/report")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
        data = {"csrf_token": csrf, "region_code": inst.region_code, "content": "周六有学科类培训班在上课。",
                "reported_name": inst.name, "anonymous": "true"}
        files = {"photos": ("p.jpg", samples.image("JPEG", colour, (64, 64)), "image/jpeg")}
        return client.post("/report", data=data, files=files, follow_redirects=False)

    parent = TestClient(api.app, client=("198.51.100.40", 40000))
    assert report(parent, (10, 10, 10)).status_code == 303
    refused = report(parent, (20, 20, 20))
    assert refused.status_code == 429 and "今日上传已达上限" in refused.text
    assert report(TestClient(api.app, client=("198.51.100.41", 40000)), (30, 30, 30)).status_code == 303
