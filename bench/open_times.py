"""How long F1 (help) and Ctrl+N (a new consultation) take to show, as ratios to the
app's own first paint, in process (App.run_test, headless, offline). Medians of N runs.

    .venv/bin/python bench/open_times.py        # 5 runs
    .venv/bin/python bench/open_times.py 9
"""
from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time

_SCRATCH = tempfile.mkdtemp(prefix="ft-advisor-bench-")
os.environ.update(FT_ADVISOR_DATA_DIR=f"{_SCRATCH}/data", FT_ADVISOR_CONFIG=f"{_SCRATCH}/config.toml")

from tui.app import AdvisorApp, StartOptions  # noqa: E402  (after the scratch dirs are set)
from tui.screens.help import HelpScreen  # noqa: E402


async def _until(pilot, condition) -> None:
    while not condition():
        await pilot.pause(0.001)


async def one_run() -> tuple[float, float, float]:
    start = time.perf_counter()
    app = AdvisorApp(StartOptions(offline=True, resume=None))
    async with app.run_test(size=(120, 40)) as pilot:
        await _until(pilot, lambda: app.view.is_mounted and app.view.prompt.is_mounted)
        await pilot.pause()  # one refresh: the first paint
        first = time.perf_counter() - start
        await asyncio.wait_for(app.view.ready.wait(), 60)
        app.view.prompt.value = "We expect 2M requests a month."
        await pilot.press("enter")
        await _until(pilot, lambda: app.view.turns_done >= 1)
        t = time.perf_counter()
        await pilot.press("f1")
        await _until(pilot, lambda: isinstance(app.screen, HelpScreen) and app.screen.query("Markdown"))
        await pilot.pause()
        help_time = time.perf_counter() - t
        await pilot.press("escape")
        await pilot.pause()
        before = app.view.session.consultation
        t = time.perf_counter()
        await pilot.press("ctrl+n")
        await _until(pilot, lambda: app.view.session.consultation is not before and app.view.ready.is_set())
        await pilot.pause()
        new_time = time.perf_counter() - t
    return first, help_time, new_time


def main(runs: int) -> None:
    results = [asyncio.run(one_run()) for _ in range(runs)]
    first, help_time, new_time = (statistics.median(r[i] for r in results) for i in range(3))
    print(f"first paint (in process)   {first * 1000:7.1f} ms  ratio 1.00")
    print(f"F1 help shown              {help_time * 1000:7.1f} ms  ratio {help_time / first:.2f}")
    print(f"Ctrl+N new consultation    {new_time * 1000:7.1f} ms  ratio {new_time / first:.2f}")
    print(f"(median of {runs} runs)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
