"""The renderer fetches nothing outside documents/static (and the licensed-font folder), and a
render cannot run past its time limit."""

from __future__ import annotations

import os
import re
import subprocess
import time
from pathlib import Path

import pytest

from cases.enums import DocumentType
from documents import render, samples
from documents.errors import RefusedResource, RenderTimeout
from documents.fetcher import STATIC_DIR, StaticOnlyFetcher
from documents.settings import get_documents_settings

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def notice_html() -> str:
    return render.render_html(DocumentType.RECTIFICATION_NOTICE, samples.rectification_notice())


def inject(html: str, markup: str) -> str:
    return html.replace("</body>", markup + "</body>")


@pytest.mark.parametrize("markup", [
    '<img src="file:///etc/passwd">',
    '<link rel="stylesheet" href="file:///etc/passwd">',
    '<img src="http://127.0.0.1:9/pixel.png">',
    '<link rel="stylesheet" href="https://127.0.0.1:9/x.css">',
    '<style>@import url("http://127.0.0.1:9/x.css");</style>',
    '<style>p { background: url("file:///etc/hostname") }</style>',
    '<img src="../render.py">',
    '<img src="data:image/png;base64,iVBORw0KGgo=">',
    '<svg xmlns="http://www.w3.org/2000/svg"><image href="file:///etc/passwd" width="9" height="9"/></svg>',
])
def test_a_resource_outside_static_aborts_the_render(notice_html, markup):
    started = time.monotonic()
    with pytest.raises(RefusedResource) as refused:
        render.html_to_pdf(inject(notice_html, markup))
    assert refused.value.code == "render_refused_resource"
    assert time.monotonic() - started < 10  # refused, not fetched and timed out


def test_a_file_inside_static_is_served():
    fetcher = StaticOnlyFetcher()
    assert fetcher.allows((STATIC_DIR / "documents.css").as_uri())
    assert not fetcher.allows((STATIC_DIR / ".." / "render.py").as_uri())
    assert not fetcher.allows("file://otherhost" + str(STATIC_DIR / "documents.css"))
    assert not fetcher.allows((STATIC_DIR / "missing.png").as_uri())
    pdf = render.html_to_pdf('<link rel="stylesheet" href="documents.css"><p>静态资源可用</p>')
    assert pdf.startswith(b"%PDF-")


def test_a_symlink_out_of_static_is_refused(tmp_path):
    link = STATIC_DIR / f".test-link-{os.getpid()}"
    link.symlink_to("/etc/hostname")
    try:
        assert not StaticOnlyFetcher().allows(link.as_uri())
    finally:
        link.unlink()


def test_render_time_limit(notice_html):
    huge = "<p>" + "校外培训" * 40000 + "</p>"
    started = time.monotonic()
    with pytest.raises(RenderTimeout):
        render.html_to_pdf(huge * 4, timeout_s=0.3)
    assert time.monotonic() - started < 3
    assert render.html_to_pdf(notice_html).startswith(b"%PDF-")  # the next render works


def _licensed_font(folder: Path) -> None:
    """A tiny stand-in for a licensed 仿宋_GB2312: LXGW WenKai subset, renamed."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    source = Path("/usr/share/fonts/truetype/lxgw-wenkai/LXGWWenKai-Regular.ttf")
    if not source.exists():
        pytest.skip("fonts-lxgw-wenkai is not installed")
    options = subset.Options()
    options.name_IDs, options.name_languages, options.layout_features = ["*"], ["*"], []
    font = TTFont(source)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="".join(chr(c) for c in range(0x4E00, 0x4E00 + 64)) + "当事人清河县")
    subsetter.subset(font)
    for record in font["name"].names:
        if record.nameID in (1, 4, 16):
            record.string = "FangSong_GB2312"
        elif record.nameID == 6:
            record.string = "FangSongGB2312-Licensed"
    font.save(folder / "fs_gb2312.ttf")


def test_licensed_font_folder_is_used_and_embedded(tmp_path, monkeypatch):
    _licensed_font(tmp_path)
    monkeypatch.setenv("ENFORCE_FONT_DIR", str(tmp_path))
    get_documents_settings.cache_clear()
    render.reset()
    try:
        assert "FangSong_GB2312" in render.stylesheet_text()
        pdf = render.render_document(DocumentType.RECTIFICATION_NOTICE, samples.rectification_notice())
        path = tmp_path / "licensed.pdf"
        path.write_bytes(pdf)
        fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
        row = next(line for line in fonts.splitlines() if "FangSong_GB2312" in line)
        assert row.split()[-5:-2] == ["yes", "yes", "yes"]
    finally:
        monkeypatch.delenv("ENFORCE_FONT_DIR")
        get_documents_settings.cache_clear()
        render.reset()


def _stand_in(folder: Path, family: str, postscript: str, text: str) -> Path:
    """A system TTF (LXGW WenKai, subset to `text`) registered under a licensed face's family name."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    source = Path("/usr/share/fonts/truetype/lxgw-wenkai/LXGWWenKai-Regular.ttf")
    if not source.exists():
        pytest.skip("fonts-lxgw-wenkai is not installed")
    options = subset.Options()
    options.name_IDs, options.name_languages, options.layout_features = ["*"], ["*"], []
    font = TTFont(source)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text)
    subsetter.subset(font)
    for record in font["name"].names:
        if record.nameID in (1, 4, 16):
            record.string = family
        elif record.nameID == 6:
            record.string = postscript
    path = folder / f"{postscript}.ttf"
    font.save(path)
    return path


def test_the_stack_picks_the_body_and_title_faces_from_the_font_folder(tmp_path, monkeypatch):
    """README "Licensed fonts": files dropped into ENFORCE_FONT_DIR under their family names
    (仿宋_GB2312, 方正小标宋简体) are what the body and the title are set in."""
    import pdfplumber

    snapshot = samples.rectification_notice()
    html = render.render_html(DocumentType.RECTIFICATION_NOTICE, snapshot)
    text = "".join(sorted(set(re.sub(r"<[^>]+>", "", html.split("<body", 1)[1]))))
    _stand_in(tmp_path, "仿宋_GB2312", "FangSongGB2312-StandIn", text)
    _stand_in(tmp_path, "方正小标宋简体", "FZXiaoBiaoSong-StandIn", text)
    monkeypatch.setenv("ENFORCE_FONT_DIR", str(tmp_path))
    get_documents_settings.cache_clear()
    render.reset()
    try:
        css = render.stylesheet_text()
        assert (tmp_path / "FangSongGB2312-StandIn.ttf").as_uri() in css
        pdf = tmp_path / "notice.pdf"
        pdf.write_bytes(render.render_document(DocumentType.RECTIFICATION_NOTICE, snapshot))
        with pdfplumber.open(pdf) as doc:
            chars = doc.pages[0].chars
        fonts = {c["text"]: c["fontname"] for c in chars}
        title = [c["fontname"] for c in chars if c["size"] > 20]  # 责令限期改正通知书, 22 pt
        body = [c["fontname"] for c in chars if abs(c["size"] - 14) < 0.1 and c["text"] in "当事人经查"]
        assert title and all("方正小标宋简体" in name for name in title), fonts
        assert body and all("仿宋_GB2312" in name for name in body), fonts
    finally:
        monkeypatch.delenv("ENFORCE_FONT_DIR")
        get_documents_settings.cache_clear()
        render.reset()
