"""Timing helpers shared by the benchmarks: medians of wall-clock runs, and a figure line format."""

from __future__ import annotations

import statistics
import subprocess
import time
from collections.abc import Callable, Sequence


def median_ms(func: Callable[[], object], repeat: int, warmup: int = 1) -> float:
    for _ in range(warmup):
        func()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def command_ms(argv: Sequence[str], repeat: int, env: dict[str, str] | None = None) -> float:
    def once() -> None:
        subprocess.run(list(argv), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)

    return median_ms(once, repeat)


def figure(
    name: str, value_ms: float, baseline_name: str, baseline_ms: float, target: str, met: bool
) -> bool:
    ratio = value_ms / baseline_ms if baseline_ms else float("inf")
    verdict = "ok" if met else "MISSED"
    print(
        f"- {name}: {value_ms:.1f} ms median = {ratio:.2f}x {baseline_name} ({baseline_ms:.1f} ms)"
        f"  target {target}: {verdict}"
    )
    return met
