"""The institution register (USCC validation, CSV/Excel import with a per-row report) and staff admin."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from sqlmodel import func, select

from cases.models import Institution
from cases.uscc import uscc_check_char
from tests.api.support import Api

pytestmark = pytest.mark.api


def uscc(serial: int) -> str:
    body = f"91520122MA{serial:07d}"
    return body + uscc_check_char(body)


def count(api: Api) -> int:
    with api.county.session() as s:
        return s.exec(select(func.count()).select_from(Institution)).one()


def test_institution_crud(api: Api) -> None:
    body = {"name": "息烽县（新）启明学科辅导有限公司", "uscc": uscc(1)[:9] + " " + uscc(1)[9:], "category": "subject",
            "licence_status": "licensed", "region_code": "520122100", "address": "永靖镇新华路1号"}
    assert api.post("/api/v1/institutions", "education03", json=body).status_code == 403  # officers read only
    created = api.post("/api/v1/institutions", "education01", json=body)
    assert created.status_code == 201, created.text
    inst = created.json()
    assert inst["uscc"] == uscc(1) and inst["category_label"] == "学科类" and inst["name_key"]
    assert api.post("/api/v1/institutions", "admin", json=body).json()["code"] == "uscc_exists"
    wrong = api.post("/api/v1/institutions", "admin", json={**body, "uscc": uscc(2)[:-1] + "0"})
    assert wrong.status_code == 422 and wrong.json()["code"].startswith("uscc")
    outside = api.post("/api/v1/institutions", "永靖01", json={**body, "uscc": uscc(3), "region_code": "520122101"})
    assert outside.json()["code"] == "region_out_of_jurisdiction"
    patched = api.client.patch(f"/api/v1/institutions/{inst['id']}", json={"list_status": "black", "uscc": None},
                               headers=api.auth("admin"))
    assert patched.status_code == 200 and patched.json()["list_status"] == "black" and patched.json()["uscc"] is None
    nulled = api.client.patch(f"/api/v1/institutions/{inst['id']}", json={"name": None}, headers=api.auth("admin"))
    assert nulled.status_code == 422 and nulled.json()["code"] == "field_required"
    found = api.get("/api/v1/institutions?q=启明学科辅导&list_status=black", "education03").json()
    assert [i["id"] for i in found["items"]] == [inst["id"]]
    assert api.client.delete(f"/api/v1/institutions/{inst['id']}", headers=api.auth("admin")).status_code == 204
    used = api.county.institution(0)
    api.new_case(0)
    in_use = api.client.delete(f"/api/v1/institutions/{used.id}", headers=api.auth("admin"))
    assert in_use.status_code == 409 and in_use.json()["code"] == "institution_in_use"


CSV_HEADER = "机构名称,统一社会信用代码,类别,证照情况,行政区划代码,地址,非营利\n"


def test_csv_import_is_all_or_nothing_unless_partial(api: Api) -> None:
    good = [f"息烽县导入机构{i},{uscc(10 + i)},体育,有证有照,520122100,永靖镇{i}号,否" for i in range(3)]
    bad = ["息烽县错误机构,91520122MA00000XX,学科类,有证有照,520122100,,是",  # bad check character
           "息烽县外地机构,,学科类,无证无照,110101,,是",  # unknown region
           f"息烽县重复机构,{uscc(10)},学科类,有证有照,520122100,,是",  # duplicate in the file
           ",,学科类,有证有照,520122100,,是"]  # no name
    content = (CSV_HEADER + "\n".join(good + bad) + "\n").encode("utf-8-sig")
    before = count(api)
    files = {"file": ("机构.csv", content, "text/csv")}
    refused = api.post("/api/v1/institutions/import", "admin", files=files)
    assert refused.status_code == 422 and refused.json()["code"] == "import_invalid"
    errors = refused.json()["detail"]["errors"]
    assert [e["row"] for e in errors] == [5, 6, 7, 8]
    assert [e["field"] for e in errors] == ["uscc", "region_code", "uscc", "name"]
    assert all(e["message"] for e in errors) and count(api) == before
    partial = api.post("/api/v1/institutions/import?partial=true", "admin", files=files)
    assert partial.status_code == 201, partial.text
    report = partial.json()
    assert (report["total_rows"], report["imported"], report["skipped"]) == (7, 3, 4)
    assert count(api) == before + 3
    again = api.post("/api/v1/institutions/import", "admin",
                     files={"file": ("a.csv", (CSV_HEADER + good[0]).encode("gb18030"), "text/csv")})
    assert again.json()["code"] == "import_invalid"  # already registered now


def test_excel_import(api: Api) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["name", "uscc", "category", "licence_status", "region_code", "student_count"])
    sheet.append(["息烽县表格机构", uscc(40), "arts", "licensed", "520122101", 35])
    sheet.append(["息烽县表格机构二", None, "文化艺术", "无证无照", "520122101", None])
    buffer = io.BytesIO()
    book.save(buffer)
    answer = api.post("/api/v1/institutions/import", "education01",
                      files={"file": ("机构.xlsx", buffer.getvalue(), "application/octet-stream")})
    assert answer.status_code == 201, answer.text
    assert answer.json()["imported"] == 2
    broken = api.post("/api/v1/institutions/import", "admin", files={"file": ("x.xlsx", b"PK\x03\x04junk", "x")})
    assert broken.status_code == 415 and broken.json()["code"] == "import_format"


def test_register_writes_stay_inside_the_jurisdiction(api: Api) -> None:
    """A township supervisor (永靖镇, 520122100) neither sees, changes nor deletes an institution of another
    township, nor imports one there; nothing is written."""
    body = {"name": "息烽县邻镇培训中心", "uscc": uscc(60), "category": "arts", "licence_status": "licensed",
            "region_code": "520122101"}
    other = api.post("/api/v1/institutions", "admin", json=body).json()
    url = f"/api/v1/institutions/{other['id']}"
    assert api.get(url, "永靖01").status_code == 404
    patched = api.client.patch(url, json={"list_status": "black"}, headers=api.auth("永靖01"))
    assert patched.status_code == 404 and patched.json()["code"] == "not_found"
    assert api.client.delete(url, headers=api.auth("永靖01")).status_code == 404
    assert api.get(url, "admin").json()["list_status"] == "none"
    moved = api.client.patch(url, json={"region_code": "520122100"}, headers=api.auth("永靖01"))
    assert moved.status_code == 404
    before = count(api)
    rows = CSV_HEADER + f"息烽县邻镇导入机构,{uscc(61)},体育,有证有照,520122101,,否\n"
    refused = api.post("/api/v1/institutions/import", "永靖01", files={"file": ("a.csv", rows.encode("gb18030"), "x")})
    assert refused.status_code == 422 and refused.json()["detail"]["errors"][0]["code"] == "region_out_of_jurisdiction"
    assert count(api) == before


def test_import_refuses_unreadable_and_oversized_files(api: Api) -> None:
    utf16 = api.post("/api/v1/institutions/import", "admin",
                     files={"file": ("a.csv", (CSV_HEADER + "甲,,体育,有证有照,520122100,,否").encode("utf-16"), "x")})
    assert utf16.status_code == 415 and utf16.json()["code"] == "import_encoding"
    xls = api.post("/api/v1/institutions/import", "admin",
                   files={"file": ("a.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, "x")})
    assert xls.status_code == 415 and xls.json()["code"] == "import_format" and ".xlsx" in xls.json()["message"]
    no_name = "地址\n一号\n".encode()
    header_only = api.post("/api/v1/institutions/import", "admin", files={"file": ("a.csv", no_name, "x")})
    assert header_only.status_code == 422 and header_only.json()["code"] == "import_header"


def test_staff_administration(api: Api) -> None:
    dept = api.post("/api/v1/departments", "admin", json={"name": "息烽县文化和旅游局", "kind": "culture",
                                                         "region_code": "520122", "doc_code": "息文旅"})
    assert dept.status_code == 201, dept.text
    assert api.post("/api/v1/departments", "education01", json={}).status_code == 403
    officer = api.post("/api/v1/officers", "admin", json={
        "username": "culture01", "name": "李明", "department_id": dept.json()["id"], "roles": ["officer"],
        "badge_no": "贵99990001", "badge_valid_until": "2027-12-31", "password": "a-long-password"})
    assert officer.status_code == 201, officer.text
    assert officer.json()["certified"] is True
    login = api.client.post("/api/v1/auth/token", data={"username": "culture01", "password": "a-long-password"})
    assert login.status_code == 200
    brief = api.get("/api/v1/officers", "education01").json()
    assert "phone" not in brief[0] and any(o["username"] == "culture01" for o in brief)
    assert "phone" in api.get("/api/v1/officers", "admin").json()[0]
    oid = officer.json()["id"]
    off = api.client.patch(f"/api/v1/officers/{oid}", json={"active": False}, headers=api.auth("admin"))
    assert off.status_code == 200 and off.json()["active"] is False
    gone = api.client.post("/api/v1/auth/token", data={"username": "culture01", "password": "a-long-password"})
    assert gone.status_code == 401
    me = api.officer_ids("admin")[0]
    self_off = api.client.patch(f"/api/v1/officers/{me}", json={"active": False}, headers=api.auth("admin"))
    assert self_off.status_code == 403
