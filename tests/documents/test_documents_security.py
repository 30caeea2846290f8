"""The renderer fetches nothing outside documents/static (and the licensed-font folder), and a
render cannot run past its time limit."""

from __future__ import annotations

import os
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
