"""Knowledge-base index benchmark (a script that prints numbers, not a test).

Cold full build and unchanged rebuild are timed as separate `threatscribe kb build` processes in a
fresh workspace (model load included); query latency is measured in-process after loading.
Usage: .venv/bin/python benchmarks/kb_bench.py
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def timed_build(workspace: Path, *extra: str) -> float:
    env = {**os.environ, "THREATSCRIBE_WORKSPACE": str(workspace)}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "app.cli", "kb", "build", "--quiet", *extra], cwd=ROOT, env=env,
                   check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        workspace = Path(tmp)
        cold = timed_build(workspace)
        unchanged = timed_build(workspace)
        os.environ["THREATSCRIBE_WORKSPACE"] = str(workspace)
        sys.path.insert(0, str(ROOT))
        from app.evals.retrieval import load_queries
        from app.kb.service import get_index

        index = get_index()
        queries = [q.query for q in load_queries(ROOT / "evals" / "retrieval" / "queries.yaml")]
        index.search("warm up the model")
        for mode in ("hybrid", "dense", "bm25"):
            latencies = []
            for query in queries:
                started = time.perf_counter()
                index.search(query, k=5, mode=mode)
                latencies.append((time.perf_counter() - started) * 1000)
            latencies.sort()
            p95 = latencies[int(0.95 * (len(latencies) - 1))]
            print(f"query[{mode}]  n={len(latencies)}  p50={statistics.median(latencies):.1f} ms  p95={p95:.1f} ms")
    print(f"cold full build (new process, {len(index.passages)} passages): {cold:.1f} s")
    print(f"unchanged rebuild (new process): {unchanged:.1f} s")


if __name__ == "__main__":
    main()
