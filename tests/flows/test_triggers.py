"""The intake upload endpoint without a Prefect API: the file lands on ENFORCE_HOME and is imported
in-process by the same use case the `intake-batch` flow calls (with PREFECT_API_URL set, the same
endpoint starts the deployment: tests/prefect/test_local_stack.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cases.uploads import intake_dir
from tests.api.support import Api, build
from tests.integration.conftest import County, county  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.integration, pytest.mark.api]
EXPORT = ("工单号,来源渠道,举报内容,区域代码,违规类型\n"
          "U1,12345热线,有机构周末上数学课,520122100,rest_day_training\n"
          "U2,12345热线,太短,520122100,\n").encode("utf-8-sig")


@pytest.fixture
def api(county: County, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Api:  # noqa: F811
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    return build(county, tmp_path)


def test_upload_is_stored_on_shared_storage_and_imported_in_process(api: Api) -> None:
    files = {"file": ("热线导出.csv", EXPORT, "text/csv")}
    first = api.post("/api/v1/intake/uploads", "education03", files=files)
    assert first.status_code == 202, first.text
    body = first.json()
    assert body["mode"] == "in_process" and body["flow_run_id"] is None
    assert (body["result"]["imported"], body["result"]["rejected"]) == (1, 1)
    assert (intake_dir() / body["upload"]).read_bytes() == EXPORT
    again = api.post("/api/v1/intake/uploads", "education03", files=files).json()
    assert again["upload"] == body["upload"] and again["result"]["duplicate"] == 1


def test_upload_refuses_other_files_and_the_public(api: Api) -> None:
    wrong = api.post("/api/v1/intake/uploads", "education03", files={"file": ("a.txt", b"x", "text/plain")})
    assert wrong.status_code == 422 and wrong.json()["code"] == "intake_file_type"
    assert api.client.post("/api/v1/intake/uploads", files={"file": ("a.csv", EXPORT, "text/csv")}).status_code == 401
