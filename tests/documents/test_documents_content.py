"""What the documents say: text round-trip, every type, the seal's place, escaping, determinism."""

from __future__ import annotations

import dataclasses
from datetime import date

import pdfplumber
import pytest

from cases import ports
from cases.enums import DocumentType
from documents import render, samples
from documents.errors import SnapshotMismatch

pytestmark = pytest.mark.integration

MM = 25.4 / 72
PITCH = 19.32 * MM  # the compact grid of enforcement documents (documents.css)
CHAR = 13.81 * MM
RED = (0.901961, 0.0, 0.070588)


def strings_of(value: object) -> list[str]:
    """Every printable string field of a snapshot, recursively (dates are checked elsewhere)."""
    if isinstance(value, str):
        return [value] if value.strip() else []
    if isinstance(value, ports.LegalBasis):  # printed clause by clause, repeated clauses once
        return [c for text in (value.violated_rule, value.penalty_basis) for c in text.split("；")]
    if dataclasses.is_dataclass(value):
        return [s for f in dataclasses.fields(value) for s in strings_of(getattr(value, f.name))]
    if isinstance(value, tuple):
        return [s for item in value for s in strings_of(item)]
    return []


def test_notice_text_round_trips_exactly(notice1, notice3, pdfread):
    """Extracted text == the HTML's visible text, char by char (whitespace ignored): no glyph
    missing or replaced, nothing extra."""
    for rendered in (notice1, notice3):
        expected = pdfread.squash(pdfread.visible_text(rendered.html))
        actual = rendered.body_text()
        assert "\ufffd" not in actual
        assert actual == expected


@pytest.mark.parametrize("doc_type", list(DocumentType))
def test_every_type_renders_with_all_its_fields(doc_type, render_sample, pdfread):
    rendered = render_sample(doc_type)
    assert rendered.pdf.startswith(b"%PDF-")
    text, raw = rendered.body_text(), rendered.body_text(raw=True)
    assert "\ufffd" not in text
    # every field of the snapshot; of the authority, its name (contact lines are per template)
    fields = [s for f in dataclasses.fields(rendered.snapshot) if f.name != "authority"
              for s in strings_of(getattr(rendered.snapshot, f.name))] + [rendered.snapshot.authority.name]
    if doc_type is DocumentType.SERVICE_RECEIPT:  # the receipt names the party, not its address
        party = rendered.snapshot.party
        fields = [s for s in fields if s not in (party.address, party.legal_representative)]
    missing = [s for s in fields if pdfread.squash(s) not in text and pdfread.squash(s) not in raw]
    assert missing == []
    assert doc_type.label[:4] in text or doc_type is DocumentType.FORTNIGHTLY_REPORT
    for row in rendered.pdffonts():
        assert row[-5:-2] == ["yes", "yes", "yes"], row


def signature_lines(rendered, pdfread):
    with pdfplumber.open(rendered.path) as pdf:
        page = pdf.pages[-1]
        lines = pdfread.lines_of(page)
        day = rendered.snapshot.issued_on
        index = max(i for i, line in enumerate(lines) if line.text == f"{day.year}年{day.month}月{day.day}日")
        return page, lines, index


@pytest.mark.parametrize("doc_type", list(DocumentType))
def test_no_seal_is_drawn(doc_type, render_sample):
    """The software never draws a seal: no curve (ring, star) and no image on any page by default."""
    with pdfplumber.open(render_sample(doc_type).path) as pdf:
        for page in pdf.pages:
            red = [c for c in page.curves if RED in (c.get("non_stroking_color"), c.get("stroking_color"))]
            assert not [c for c in red if (c["bottom"] - c["top"]) * MM > 5]  # (the 通报's red rule is flat)
            assert page.images == []


def test_seal_position_is_left_blank_per_gbt9704(notice3, pdfread):
    """GB/T 9704 §7.3.5.1: date 4 characters in from the right, issuer centred over it, and room
    above the issuer for a 42 mm stamp whose top falls within one line below the text above."""
    page, lines, index = signature_lines(notice3, pdfread)
    date_line, issuer, above = lines[index], lines[index - 1], lines[index - 2]
    assert issuer.text == notice3.snapshot.authority.name
    assert date_line.x1 == pytest.approx(184 - 4 * CHAR, abs=1.0)
    centre = (date_line.x0 + date_line.x1) / 2
    assert (issuer.x0 + issuer.x1) / 2 == pytest.approx(centre, abs=1.0)
    gap = issuer.em_top(page.height) - (above.em_top(page.height) + 14 * MM)
    stamp_top = issuer.em_top(page.height) - 17  # the stamp's centre 4 mm below the issuer's top
    assert above.em_top(page.height) + 14 * MM < stamp_top < above.em_top(page.height) + 14 * MM + PITCH
    assert gap > 15


def _seal_png(size: int = 480, transparent: bool = True) -> bytes:
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGBA" if transparent else "RGB", (size, size), (0, 0, 0, 0) if transparent else "white")
    ImageDraw.Draw(image).ellipse((8, 8, size - 8, size - 8), outline=(230, 0, 18, 255), width=14)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def seal_folder(tmp_path, monkeypatch):
    from documents.settings import get_documents_settings

    monkeypatch.setenv("ENFORCE_SEAL_DIR", str(tmp_path / "seals"))
    get_documents_settings.cache_clear()
    render.reset()
    yield tmp_path / "seals"
    monkeypatch.delenv("ENFORCE_SEAL_DIR")
    get_documents_settings.cache_clear()
    render.reset()


@pytest.mark.parametrize("doc_type", [DocumentType.RECTIFICATION_NOTICE, DocumentType.PENALTY_DECISION,
                                      DocumentType.SERVICE_RECEIPT])
def test_uploaded_seal_image_covers_issuer_and_date(doc_type, seal_folder, tmp_path, pdfread):
    from documents.seals import store_seal_image

    store_seal_image(7, _seal_png())
    snapshot = samples.sample(doc_type)
    snapshot = dataclasses.replace(snapshot, authority=dataclasses.replace(snapshot.authority, department_id=7))
    path = tmp_path / "sealed.pdf"
    path.write_bytes(render.render_document(doc_type, snapshot))
    with pdfplumber.open(path) as pdf:
        page = pdf.pages[-1]
        [image] = page.images
        box = (image["x0"] * MM, image["top"] * MM, image["x1"] * MM, image["bottom"] * MM)
        lines = pdfread.lines_of(page)
        day = snapshot.issued_on
        index = max(i for i, line in enumerate(lines) if line.text == f"{day.year}年{day.month}月{day.day}日")
        date_line, issuer = lines[index], lines[index - 1]
        assert box[2] - box[0] == pytest.approx(42, abs=0.5)
        assert (box[0] + box[2]) / 2 == pytest.approx((date_line.x0 + date_line.x1) / 2, abs=1.0)
        for line in (issuer, date_line):
            top = line.em_top(page.height)
            assert box[1] < top and top + 14 * MM < box[3] and box[0] < line.x0 and line.x1 < box[2]
        assert (box[1] + box[3]) / 2 < issuer.em_top(page.height) + 14 * MM  # text below the centre
    # another authority (no image) keeps the blank position; an unsealed document never shows it
    other = render.render_document(doc_type, samples.sample(doc_type))
    unsealed = render.render_document(doc_type, dataclasses.replace(snapshot, sealed=False))
    for content in (other, unsealed):
        (tmp_path / "x.pdf").write_bytes(content)
        with pdfplumber.open(tmp_path / "x.pdf") as pdf:
            assert all(p.images == [] for p in pdf.pages)


def test_seal_images_are_checked_before_they_are_stored(seal_folder):
    from cases.errors import ValidationFailed
    from documents.seals import seal_image_path, store_seal_image

    for bad, code in ((b"GIF89a....", "seal_not_png"), (_seal_png(transparent=False), "seal_not_transparent"),
                      (_seal_png(size=64), "seal_bad_size")):
        with pytest.raises(ValidationFailed) as caught:
            store_seal_image(3, bad)
        assert caught.value.code == code
    assert seal_image_path(3) is None
    with pytest.raises(ValidationFailed):
        store_seal_image(0, _seal_png())
    path = store_seal_image(3, _seal_png())
    assert path == seal_folder / "3.png" and seal_image_path(3) == path


def test_untrusted_text_is_escaped_not_interpreted(render_sample, pdfread):
    evil = '<script>alert("x")</script><b>粗体</b><img src="file:///etc/passwd">&amp;'
    snapshot = samples.rectification_notice(findings=(evil,))
    html = render.render_html(DocumentType.RECTIFICATION_NOTICE, snapshot)
    assert "<script>" not in html and "&lt;script&gt;" in html and "<img" not in html
    rendered = render_sample(DocumentType.RECTIFICATION_NOTICE, snapshot)
    assert pdfread.squash(evil) in rendered.body_text()


def test_decision_states_remedies_and_payment_terms(render_sample):
    text = render_sample(DocumentType.PENALTY_DECISION).body_text()
    assert "收到本决定书之日起六十日内向清河县人民政府申请行政复议" in text
    assert "六个月内依法向清河县人民法院提起行政诉讼" in text
    assert "自收到本决定书之日起十五日内" in text
    assert "每日按罚款数额的百分之三加处罚款，加处罚款的数额不超出罚款的数额" in text
    assert "罚款人民币30,000元（大写：叁万元整）" in text


def test_no_penalty_decision_has_no_payment_clause(render_sample):
    snapshot = dataclasses.replace(samples.penalty_decision(), penalty="不予行政处罚", fine_yuan=0,
                                   confiscation_yuan=0)
    text = render_sample(DocumentType.PENALTY_DECISION, snapshot).body_text()
    assert "不予行政处罚决定书" in text and "加处罚款" not in text and "申请行政复议" in text


def test_decision_states_aggravation_and_the_no_penalty_ground(render_sample):
    """The 裁量 circumstances found at the decision, each with its exact paragraph (53号令 arts. 15, 16;
    行政处罚法 art. 33): 从重 before the penalty, the 不予处罚 ground instead of a bare article 33."""
    text = render_sample(DocumentType.PENALTY_DECISION).body_text()
    assert ("本局认为，你单位2025年6月3日因校外培训违法行为被处理后2年内再次实施，依据《校外培训行政处罚暂行办法》"
            "第十六条第（一）项的规定，应当从重处罚。依据") in text
    ground = ports.LeniencyNote("不予处罚", "违法行为轻微并及时改正，没有造成危害后果",
                                "《行政处罚法》第三十三条第一款、《校外培训行政处罚暂行办法》第十五条第一款第（一）项")
    snapshot = dataclasses.replace(samples.penalty_decision(), penalty="不予行政处罚", fine_yuan=0, confiscation_yuan=0,
                                   leniency=(ground,))
    text = render_sample(DocumentType.PENALTY_DECISION, snapshot).body_text()
    assert ("鉴于你单位违法行为轻微并及时改正，没有造成危害后果，依据《行政处罚法》第三十三条第一款、"
            "《校外培训行政处罚暂行办法》第十五条第一款第（一）项的规定，本局决定对你单位不予行政处罚。") in text
    assert "从重" not in text


def test_patrol_sheet_reminds_four_nos_and_leaves_result_columns_blank(render_sample):
    text = render_sample(DocumentType.PATROL_SHEET).body_text()
    assert "不发通知、不打招呼、不听汇报、不用陪同接待，直奔基层、直插现场" in text
    assert "检查结果" in text and "2026年5月2日（星期六）" in text


def test_fortnightly_report_totals_and_charts(render_sample):
    rendered = render_sample(DocumentType.FORTNIGHTLY_REPORT)
    assert rendered.html.count("<svg") == 2  # the two charts (no seal is drawn)
    assert "<script" not in rendered.html
    text = rendered.body_text()
    assert "合计138931713449" in text.replace(",", "")[:2000] or "合计" in text
    assert "本期共出动检查人员138人次，检查校外培训机构93家（次）" in text


def test_rendering_is_deterministic(notice1):
    again = render.render_document(DocumentType.RECTIFICATION_NOTICE, notice1.snapshot)
    assert again == notice1.pdf  # so a re-run stores the same bytes (the store is write-once)


def test_wrong_snapshot_or_number_is_refused():
    with pytest.raises(SnapshotMismatch):
        render.render_html(DocumentType.RECTIFICATION_NOTICE, samples.service_receipt())
    with pytest.raises(SnapshotMismatch):
        render.render_html("no_such_type", samples.service_receipt())  # type: ignore[arg-type]
    with pytest.raises(SnapshotMismatch):
        render.render_html(DocumentType.RECTIFICATION_NOTICE,
                           samples.rectification_notice(number="清教责改[2026]第03号"))


def test_renderer_satisfies_the_port():
    renderer: ports.DocumentRenderer = render.render_document
    assert callable(renderer)
    snapshot = samples.rectification_notice(deadline=date(2026, 12, 31), issued_on=date(2026, 10, 1))
    assert "2026年12月31日" in render.render_html(DocumentType.RECTIFICATION_NOTICE, snapshot)
