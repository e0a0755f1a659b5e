"""score-folder's progress: a tqdm bar on a terminal, a plain line every few seconds otherwise."""

from __future__ import annotations

import threading
import time
from typing import TextIO

from framing.service import readers

# --------------------------------------------------------------------------- progress


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


def megabytes(n: float) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e5 else f"{n / 1e3:.1f} kB"


class Progress:
    """A tqdm bar (bytes, with ETA; articles/s alongside) on a terminal, else a plain line every
    ``interval`` seconds; ``off`` prints nothing. The total is counted in a background thread,
    started by ``start`` (after the scoring processes are forked: see ``Pool``)."""

    def __init__(self, mode: str, stream: TextIO, interval: float, walker: readers.Walker | None):
        self.mode, self.stream, self.interval, self.walker = mode, stream, interval, walker
        self.articles = self.paragraphs = self.problems = self.skipped = 0
        self.done_bytes = 0
        self.total: int | None = None
        self._total_found: int | None = None
        self.started = self.last = time.monotonic()
        self.bar = None
        self._stop = threading.Event()

    def start(self) -> None:
        if self.mode == "bar":
            from tqdm import tqdm

            self.bar = tqdm(
                total=None,
                unit="B",
                unit_scale=True,
                unit_divisor=1000,
                desc="score-folder",
                file=self.stream,
                dynamic_ncols=True,
                mininterval=0.5,
                smoothing=0.1,
            )
            self.bar.update(self.done_bytes)
        if self.mode != "off" and self.walker is not None:
            threading.Thread(target=self._count, args=(self.walker,), daemon=True, name="score-folder-total").start()

    def _count(self, walker: readers.Walker) -> None:
        total = 0
        try:
            for size in walker.sizes():
                if self._stop.is_set():
                    return
                total += size
        except OSError:
            return
        self._total_found = total

    def update(self, nbytes: int = 0, articles: int = 0, paragraphs: int = 0, problems: int = 0, skipped: int = 0):
        self.done_bytes += nbytes
        self.articles += articles
        self.paragraphs += paragraphs
        self.problems += problems
        self.skipped += skipped
        if self.mode == "off":
            return
        if self._total_found is not None and self.total is None:
            self.total = max(self._total_found, self.done_bytes)
            if self.bar is not None:
                self.bar.total = self.total
        now = time.monotonic()
        rate = self.articles / max(now - self.started, 1e-9)
        if self.bar is not None:
            self.bar.update(nbytes)
            if now - self.last >= 0.5:
                self.last = now
                self.bar.set_postfix_str(
                    f"{self.articles} articles, {rate:.1f} articles/s, {self.problems} problems", refresh=False
                )
        elif now - self.last >= self.interval:
            self.last = now
            self.stream.write(self.line(now) + "\n")
            self.stream.flush()

    def line(self, now: float | None = None) -> str:
        now = time.monotonic() if now is None else now
        elapsed = max(now - self.started, 1e-9)
        text = (
            f"score-folder: {self.articles} articles ({self.articles / elapsed:.1f}/s), "
            f"{self.paragraphs} paragraphs, {megabytes(self.done_bytes)}"
        )
        if self.total:
            share = min(self.done_bytes / self.total, 1.0)
            text += f" of {megabytes(self.total)} ({share:.0%})"
            if 0 < share < 1:
                text += f", ETA {_duration(elapsed * (1 - share) / share)}"
        if self.skipped:
            text += f", {self.skipped} already done"
        return text + f", {self.problems} problems, {_duration(elapsed)} elapsed"

    def close(self) -> None:
        self._stop.set()
        if self.bar is not None:
            if self.total is not None:
                self.bar.total = max(self.total, self.bar.n)
            self.bar.set_postfix_str(f"{self.articles} articles, {self.problems} problems", refresh=False)
            self.bar.close()
