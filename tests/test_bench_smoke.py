"""The benchmark suite's quick mode runs end to end (so it cannot rot) and writes its table."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT


def test_quick_bench_runs_every_part_and_writes_the_table(tmp_path):
    table, raw = tmp_path / "BENCHMARKS.md", tmp_path / "results.json"
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--out", str(table), "--json", str(raw)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads(raw.read_text())
    for part in ("babe", "babe_out_of_domain", "ptc", "speed", "http", "folder", "training"):
        assert part in results and "error" not in results[part], (part, results.get(part))
    assert results["speed"]["framing_per_second"] > 0 and results["http"]["errors"] == 0
    text = table.read_text()
    assert "Quick (smoke) mode" in text and "BABE" in text and "paragraphs/s" in text and "requests/s" in text
    for part in ("attribution", "suggest"):
        assert part in results and "error" not in results[part], (part, results.get(part))

    # a partial run keeps the other parts' figures, and says what it re-measured
    before = json.loads(raw.read_text())
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--only", "attribution", "--out", str(table), "--json", str(raw)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    after = json.loads(raw.read_text())
    assert after["speed"] == before["speed"] and "attribution" in after["remeasured"]
    text = table.read_text()
    assert "requests/s" in text and "Part `attribution` re-measured alone" in text
