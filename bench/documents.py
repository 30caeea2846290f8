"""PDF rendering benchmark: our renderer against bare WeasyPrint on the same HTML, and batch throughput.

    .venv/bin/python bench/documents.py            # 25 rounds per size, 200 notices per batch run
    .venv/bin/python bench/documents.py --quick    # 5 rounds, 40 notices

1. Overhead. For a 1-page and a 3-page 整改通知书: `documents.render.render_document(doc_type,
   snapshot)` (Jinja2 + the static-only fetcher + the time-limit watchdog + WeasyPrint)
   against the baseline `HTML(string=html, base_url=...).write_pdf(stylesheets=[css],
   font_config=fc)` on the HTML our templates produced for that snapshot, with the same
   stylesheet and fonts, its CSS parsed and its FontConfiguration built once: the best a bare
   WeasyPrint caller can do. Both are warmed, then measured alternately in this one process (who
   goes first alternates; a gc.collect() before each call). Prints the medians of wall-clock time
   and of CPU time (`time.process_time`, which other processes on a busy machine do not inflate)
   and the ratios ours / bare (target ≤ 1.15).
2. Throughput. `documents.batch.render_batch` of N notices with 1 and with 2 worker processes
   (each worker warms its fonts once; pool start-up is included); prints docs/s, the workers'
   CPU time per document, and the speed-up (target ≥ 1.7× on 2 free cores).

The machine's load average is printed before and after, and next to the speed-up what a pure-CPU
loop gains from a second process at that moment: other processes on a shared machine distort both
figures (the ratio less so, as it is measured interleaved).
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import time
from pathlib import Path

# this file is bench/documents.py: keep `import documents` from importing it instead of the package
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from weasyprint import CSS, HTML  # noqa: E402
from weasyprint.text.fonts import FontConfiguration  # noqa: E402

from cases.enums import DocumentType  # noqa: E402
from documents import render, samples  # noqa: E402
from documents.batch import render_batch  # noqa: E402

NOTICE = DocumentType.RECTIFICATION_NOTICE


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs"


def overhead(pages: int, rounds: int) -> tuple[dict[str, float], dict[str, float], int | str]:
    """Median wall and CPU seconds of ours and of bare WeasyPrint, and the page count."""
    snapshot = samples.rectification_notice(pages=pages)
    html = render.render_html(NOTICE, snapshot)
    bare_fonts = FontConfiguration()
    bare_css = CSS(string=render.stylesheet_text(), base_url=render.BASE_URL, font_config=bare_fonts)

    def ours() -> bytes:
        return render.render_document(NOTICE, snapshot)

    def bare() -> bytes:
        return HTML(string=html, base_url=render.BASE_URL).write_pdf(stylesheets=[bare_css],
                                                                     font_config=bare_fonts)

    for _ in range(2):  # warm both: fonts and glyph caches
        ours(), bare()
    wall: dict[str, list[float]] = {"ours": [], "bare": []}
    cpu: dict[str, list[float]] = {"ours": [], "bare": []}
    for round_ in range(rounds):
        pair = (("ours", ours), ("bare", bare))
        for name, func in pair if round_ % 2 == 0 else pair[::-1]:  # alternate who goes first
            gc.collect()  # neither pays for the other's garbage
            started, started_cpu = time.perf_counter(), time.process_time()
            pdf = func()
            wall[name].append(time.perf_counter() - started)
            cpu[name].append(time.process_time() - started_cpu)
    return ({k: statistics.median(v) for k, v in wall.items()},
            {k: statistics.median(v) for k, v in cpu.items()}, page_count(pdf))


def page_count(pdf: bytes) -> int | str:
    try:
        import io

        import pdfplumber  # a dev dependency
    except ImportError:
        return "?"
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        return len(document.pages)


def throughput(count: int, processes: int) -> tuple[float, float]:
    """Docs per second (wall clock, pool start-up included) and the workers' CPU seconds per doc."""
    import resource

    items = [(NOTICE, samples.rectification_notice(number=f"清教责改〔2026〕{i + 1}号")) for i in range(count)]
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    pdfs = render_batch(items, processes=processes)
    elapsed = time.perf_counter() - started
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert len(pdfs) == count and all(p.startswith(b"%PDF-") for p in pdfs)
    cpu = (cpu_after.ru_utime + cpu_after.ru_stime) - (cpu_before.ru_utime + cpu_before.ru_stime)
    return count / elapsed, cpu / count


def _spin(n: int) -> int:
    total = 0
    for i in range(n):
        total += i
    return total


def ceiling(n: int = 6_000_000) -> float:
    """What 2 processes can gain on this machine right now: the same pure-CPU work, 1 vs 2 workers."""
    import multiprocessing

    elapsed = []
    for workers in (1, 2):
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            started = time.perf_counter()
            pool.map(_spin, [n] * 4, chunksize=1)
            elapsed.append(time.perf_counter() - started)
    return elapsed[0] / elapsed[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="5 rounds and 40 notices")
    args = parser.parse_args()
    rounds, count = (5, 40) if args.quick else (25, 200)
    print(f"documents benchmark ({'quick' if args.quick else 'full'}); {load()}")
    print("1. overhead against bare WeasyPrint on the same HTML (median of "
          f"{rounds} interleaved rounds)")
    for pages in (1, 3):
        wall, cpu, got = overhead(pages, rounds)
        print(f"   {pages}-page notice ({got} pages): wall ours {wall['ours'] * 1000:6.1f} ms, "
              f"bare {wall['bare'] * 1000:6.1f} ms, ratio {wall['ours'] / wall['bare']:.3f};   "
              f"CPU ours {cpu['ours'] * 1000:6.1f} ms, bare {cpu['bare'] * 1000:6.1f} ms, "
              f"ratio {cpu['ours'] / cpu['bare']:.3f}   (target ≤ 1.15)")
    print(f"2. batch throughput, {count} one-page notices")
    one, cpu_one = throughput(count, 1)
    print(f"   1 worker process:   {one:6.2f} docs/s   ({cpu_one * 1000:.0f} ms CPU per doc)")
    two, cpu_two = throughput(count, 2)
    print(f"   2 worker processes: {two:6.2f} docs/s   ({cpu_two * 1000:.0f} ms CPU per doc)")
    print(f"   speed-up {two / one:.2f}×   (target ≥ 1.7×; a pure-CPU loop gains {ceiling():.2f}× "
          "on this machine right now)")
    print(f"done; {load()}")


if __name__ == "__main__":
    main()
