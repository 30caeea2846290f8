"""The register as users type it (issue 12, item 6): search by credit code, phone and name variants;
an import in Chinese words and township names, errors that list the allowed values, and rows
without a credit code matched to the registered institution instead of registered twice."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from cases.models import Institution
from cases.service.register import normalise_address
from cases.uscc import uscc_check_char
from tests.api.support import Api

pytestmark = pytest.mark.api

HEADER = "机构名称,统一社会信用代码,类别,证照情况,乡镇（街道）,地址,资金监管,名单,联系电话\n"


def uscc(serial: int) -> str:
    body = f"91520122MA{serial:07d}"
    return body + uscc_check_char(body)


def imported(api: Api, text: str, partial: bool = False):  # noqa: ANN201
    url = "/api/v1/institutions/import" + ("?partial=true" if partial else "")
    return api.post(url, "admin", files={"file": ("机构.csv", text.encode("utf-8-sig"), "text/csv")})


def count(api: Api) -> int:
    with api.county.session() as s:
        return s.exec(select(func.count()).select_from(Institution)).one()


def by_name(api: Api, name: str) -> list[Institution]:
    with api.county.session() as s:
        return list(s.exec(select(Institution).where(Institution.name == name)))


def test_address_key_ignores_spacing_punctuation_and_the_region_prefix() -> None:
    chain = ["永靖镇", "永靖", "息烽县", "息烽", "贵阳市"]
    assert normalise_address("息烽县永靖镇阳光路 3 号", chain) == "阳光路3号"
    assert normalise_address("永靖镇阳光路3号", chain) == "阳光路3号"
    assert normalise_address("阳光路３号（二楼）", chain) == "阳光路3号二楼"
    assert normalise_address("阳光路3号", chain) != normalise_address("阳光路5号", chain)


def test_import_takes_chinese_values_and_township_names(api: Api) -> None:
    rows = ["息烽县小松鼠美术培训中心,,文化艺术类,有证有照,永靖镇,永靖镇阳光路3号,已纳入,白名单,0851-8770001",
            "息烽县跃动体育俱乐部,,体育,无证有照,温泉,温泉镇温泉路8号,未纳入,未列入,13900000002"]
    answer = imported(api, HEADER + "\n".join(rows))
    assert answer.status_code == 201, answer.text
    assert answer.json()["imported"] == 2 and answer.json()["matched"] == 0
    (art,), (sport,) = by_name(api, "息烽县小松鼠美术培训中心"), by_name(api, "息烽县跃动体育俱乐部")
    assert (art.category, art.region_code, art.fund_supervision, art.list_status) == \
        ("arts", "520122100", "supervised", "white")
    assert (sport.category, sport.licence_status, sport.region_code, sport.fund_supervision) == \
        ("sports", "unlicensed_registered", "520122101", "not_supervised")


def test_import_errors_list_the_allowed_values(api: Api) -> None:
    before = count(api)
    answer = imported(api, HEADER + "息烽县错填机构,,学科,有证有照,北京市,某路1号,纳入了,灰名单,\n")
    assert answer.status_code == 422 and answer.json()["code"] == "import_invalid"
    errors = {e["field"]: e for e in answer.json()["detail"]["errors"]}
    assert set(errors) == {"region_code", "fund_supervision", "list_status"}
    assert errors["fund_supervision"]["message"] == "资金监管“纳入了”无法识别，可填写：已纳入、未纳入、异常"
    assert errors["fund_supervision"]["value"] == "纳入了" and errors["fund_supervision"]["code"] == "value_not_allowed"
    assert "可填写：未列入、白名单、黑名单" in errors["list_status"]["message"]
    assert "“北京市”不在您的辖区内或不存在" in errors["region_code"]["message"]
    assert "永靖镇" in errors["region_code"]["message"] and "温泉镇" in errors["region_code"]["message"]
    assert count(api) == before


def test_a_township_outside_the_jurisdiction_is_not_resolved(api: Api) -> None:
    """永靖01 supervises 永靖镇 only: 温泉镇 is not one of the names it may use."""
    row = "息烽县外镇机构,,科技,有证有照,温泉镇,温泉路1号,,,\n"
    answer = api.post("/api/v1/institutions/import", "永靖01",
                      files={"file": ("a.csv", (HEADER + row).encode(), "text/csv")})
    assert answer.status_code == 422
    (error,) = answer.json()["detail"]["errors"]
    assert error["field"] == "region_code" and "可填写：永靖镇" in error["message"]
    assert "温泉镇（" not in error["message"]


def test_reimport_without_a_credit_code_updates_instead_of_duplicating(api: Api) -> None:
    first = "息烽县 启航书法培训中心,,文化艺术,有证有照,永靖镇,息烽县永靖镇文化路 12 号,已纳入,未列入,0851-1111111\n"
    assert imported(api, HEADER + first).json()["imported"] == 1
    before = count(api)
    again = ("息烽县启航书法培训中心,,文化艺术,有证有照,永靖镇,永靖镇文化路12号,异常,未列入,0851-2222222\n"
             "息烽县启航书法培训中心,,文化艺术,有证有照,永靖镇,永靖镇文化路99号,已纳入,未列入,\n")
    answer = imported(api, HEADER + again)
    assert answer.status_code == 201, answer.text
    report = answer.json()
    assert (report["imported"], report["matched"], report["skipped"]) == (1, 1, 0)  # another address: another one
    assert count(api) == before + 1
    with api.county.session() as s:
        updated = s.get(Institution, report["matched_ids"][0])
    assert updated.name == "息烽县 启航书法培训中心"  # matched by it: the registered name stays
    assert (updated.phone, updated.fund_supervision) == ("0851-2222222", "abnormal")
    twice = imported(api, HEADER + again.splitlines()[0] + "\n" + again.splitlines()[0] + "\n")
    assert twice.status_code == 422
    assert twice.json()["detail"]["errors"][0]["message"] == "与第2行的机构名称和地址相同"


def test_search_by_credit_code_phone_and_name_variants(api: Api) -> None:
    code = uscc(77)
    body = {"name": "息烽县（新）博学教育科技有限公司", "uscc": code, "category": "subject",
            "licence_status": "licensed", "region_code": "520122100", "address": "永靖镇新华路1号",
            "phone": "0851-87712345"}
    inst = api.post("/api/v1/institutions", "admin", json=body).json()

    def found(q: str) -> list[int]:
        return [i["id"] for i in api.get("/api/v1/institutions", "education03", params={"q": q}).json()["items"]]

    assert found(code) == [inst["id"]]
    assert found(code.lower()[:6] + " " + code.lower()[6:]) == [inst["id"]]
    assert found("87712345") == [inst["id"]]
    assert found("博学教育科技") == [inst["id"]]
    assert found("(新)博学教育科技公司") == [inst["id"]]  # half-width brackets, no 有限: the name key matches
    assert inst["id"] in found("新华路1号")
    assert found("91520122MA99") == []
