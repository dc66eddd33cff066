"""Counters and latency histograms, rendered in the Prometheus text format."""

from __future__ import annotations

import bisect
import threading
from collections import defaultdict
from collections.abc import Callable

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class Metrics:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counters: dict[tuple[str, tuple], float] = defaultdict(float)
        self._histograms: dict[str, list] = {}
        self._gauges: dict[str, Callable[[], float]] = {}
        self._help: dict[str, str] = {}

    def count(self, name: str, help_text: str, amount: float = 1, **labels: str) -> None:
        self._help.setdefault(name, help_text)
        with self._lock:
            self._counters[(name, tuple(sorted(labels.items())))] += amount

    def observe(self, name: str, help_text: str, seconds: float) -> None:
        self._help.setdefault(name, help_text)
        with self._lock:
            buckets = self._histograms.setdefault(name, [[0] * len(BUCKETS), 0, 0.0])
            index = bisect.bisect_left(BUCKETS, seconds)
            if index < len(BUCKETS):
                buckets[0][index] += 1
            buckets[1] += 1
            buckets[2] += seconds

    def gauge(self, name: str, help_text: str, read: Callable[[], float]) -> None:
        self._help[name] = help_text
        self._gauges[name] = read

    def render(self) -> str:
        lines: list[str] = []
        with self._lock:
            counters = dict(self._counters)
            histograms = {k: (list(v[0]), v[1], v[2]) for k, v in self._histograms.items()}
        for name in sorted({name for name, _ in counters}):
            lines += [f"# HELP {name} {self._help[name]}", f"# TYPE {name} counter"]
            for (metric, labels), value in sorted(counters.items()):
                if metric == name:
                    lines.append(f"{name}{_labels(labels)} {value:g}")
        for name, (counts, total, seconds) in sorted(histograms.items()):
            lines += [f"# HELP {name} {self._help[name]}", f"# TYPE {name} histogram"]
            running = 0
            for bound, count in zip(BUCKETS, counts, strict=True):
                running += count
                lines.append(f'{name}_bucket{{le="{bound}"}} {running}')
            lines.append(f'{name}_bucket{{le="+Inf"}} {total}')
            lines += [f"{name}_sum {seconds:.6f}", f"{name}_count {total}"]
        for name, read in sorted(self._gauges.items()):
            lines += [f"# HELP {name} {self._help[name]}", f"# TYPE {name} gauge"]
            lines.append(f"{name} {read():g}")
        return "\n".join(lines) + "\n"


def _labels(labels: tuple) -> str:
    if not labels:
        return ""
    inner = ",".join(f'{k}="{_escape(v)}"' for k, v in labels)
    return "{" + inner + "}"


def _escape(value: str) -> str:
    return str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def record_batch(metrics: Metrics | None, processor: str, handled: int, seconds: float) -> None:
    """What consumers and in-process delivery report for each batch they settle."""
    if metrics is None:
        return
    metrics.count(
        "orderb2b_messages_handled_total",
        "messages handled by processor",
        handled,
        processor=processor,
    )
    metrics.observe("orderb2b_batch_seconds", "time to handle one batch", seconds)
