"""A one-line progress display with ETA, without extra dependencies.

On a terminal the line is rewritten in place; otherwise (logs, CI, pipes) a line is
printed about every 10% so that logs stay short.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO


def format_seconds(seconds: float) -> str:
    """``75.2`` -> ``"1:15"``; ``3725`` -> ``"1:02:05"``."""
    s = int(round(max(seconds, 0.0)))
    h, rem = divmod(s, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class Progress:
    """Progress of ``total`` steps, written to ``stream`` (stderr by default).

    Args:
        total: Number of steps to run.
        label: Word shown before the counts.
        stream: Where to write; a TTY gets an in-place line.
    """

    def __init__(self, total: int, label: str = "step", stream: TextIO | None = None) -> None:
        self.total = max(int(total), 0)
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.start = time.perf_counter()
        self._next_pct = 10
        self._last_draw = 0.0
        self._open = False

    def line(self, done: int) -> str:
        """The text shown after ``done`` steps."""
        elapsed = time.perf_counter() - self.start
        pct = 100.0 * done / self.total if self.total else 100.0
        if 0 < done < self.total:
            eta = f"ETA {format_seconds(elapsed / done * (self.total - done))}"
        else:
            eta = f"elapsed {format_seconds(elapsed)}"
        return f"{self.label} {done}/{self.total} {pct:5.1f}%  {eta}"

    def update(self, done: int) -> None:
        """Report that ``done`` steps are finished."""
        if self.tty:
            now = time.perf_counter()
            if done < self.total and now - self._last_draw < 0.1:
                return
            self._last_draw = now
            self.stream.write("\r" + self.line(done) + "\x1b[K")
            self._open = done < self.total
            if not self._open:
                self.stream.write("\n")
            self.stream.flush()
            return
        pct = 100.0 * done / self.total if self.total else 100.0
        if pct >= self._next_pct or done >= self.total:
            while self._next_pct <= pct:
                self._next_pct += 10
            self.stream.write(self.line(done) + "\n")
            self.stream.flush()

    def close(self) -> None:
        """End an unfinished in-place line (after an interruption)."""
        if self._open:
            self.stream.write("\n")
            self.stream.flush()
            self._open = False
