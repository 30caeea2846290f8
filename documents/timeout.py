"""A wall-clock limit for one render, usable from any thread.

WeasyPrint cannot be cancelled, and a render must stay in-process to reuse the warmed fonts and
the parsed stylesheet (a worker process per render would cost ~1.6 s of cold start). So a
watchdog timer thread *injects* an exception into the rendering thread when the limit passes
(`PyThreadState_SetAsyncExc`). Python raises it at the next bytecode boundary of that thread:
layout and PDF writing are Python code, so the render stops within milliseconds; only a single
long C call (a Pango shaping run, a HarfBuzz subset) finishes first.

The injected exception derives from BaseException, so WeasyPrint's `except Exception` blocks
cannot swallow it; `call_with_time_limit` turns it into `RenderTimeout`. A timer that fires just
as the call returns is cancelled under a lock, and a still-pending injection is cleared before
returning, so the exception can never surface outside this function.
"""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Callable
from typing import TypeVar

from documents.errors import RenderTimeout

T = TypeVar("T")
_set_async_exc = ctypes.pythonapi.PyThreadState_SetAsyncExc
_set_async_exc.argtypes = (ctypes.c_ulong, ctypes.py_object)
_set_async_exc.restype = ctypes.c_int


class _Interrupted(BaseException):
    """Injected into the rendering thread by the watchdog."""


def _inject(thread_id: int, exc: type[BaseException] | None) -> None:
    _set_async_exc(ctypes.c_ulong(thread_id), ctypes.py_object(exc) if exc else ctypes.py_object())


def call_with_time_limit(func: Callable[[], T], seconds: float) -> T:
    """`func()`, or RenderTimeout once `seconds` of wall-clock time have passed."""
    thread_id = threading.get_ident()
    lock = threading.Lock()
    state = {"done": False, "fired": False}

    def watchdog() -> None:
        with lock:
            if not state["done"]:
                state["fired"] = True
                _inject(thread_id, _Interrupted)

    timer = threading.Timer(seconds, watchdog)
    timer.daemon = True
    try:
        timer.start()
        try:
            return func()
        finally:
            with lock:
                state["done"] = True
            timer.cancel()
            if state["fired"]:
                _inject(thread_id, None)  # clear an injection that has not been raised yet
    except _Interrupted:
        raise RenderTimeout(seconds) from None
