"""How quotebot's answers hold up as the store grows: question latency, a fresh process's first
answer (derived indexes persisted or not) and peak memory, at several store sizes. Prints a table.

    PYTHONPATH=. python benchmarks/scale.py build REAL_STORE OUT_FOLDER --sizes 20000 100000
    PYTHONPATH=. python benchmarks/scale.py measure OUT_FOLDER/*-passages QUESTIONS.jsonl

``build`` copies every passage of REAL_STORE (e.g. a store of tests/eval/briefings/transcripts)
with its vector, then fills each store up to its size with copies of those passages under other
source names, each vector perturbed (Gaussian noise of 0.05 per dimension, renormalised): those
rows are synthetic, and the table says how many. ``measure`` asks each store the questions of
QUESTIONS.jsonl (the "question" field) in one warm process for p50/p95, then times a fresh
``quotebot ask`` (with the derived indexes persisted, and with them deleted: until its answer
is printed, and until the process has exited) and reports its peak memory in each case. A store on a Chroma
server is measured with ``--chroma-url`` (serve one built store with ``chroma run --path
OUT_FOLDER/N-passages --host 127.0.0.1 --port P`` and name that folder, whose size the table
then shows); the derived indexes are then kept in this machine's cache.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from bot import Bot, Settings

_BATCH = 2000


def build(real: Path, out: Path, sizes: list[int]) -> None:
    source = Bot(Settings(store=real)).store.collection
    rows = source.get(include=["documents", "metadatas", "embeddings"])
    n = len(rows["ids"])
    print(f"{n} real passages in {real}")
    rng = np.random.default_rng(0)
    for size in sizes:
        folder = out / f"{size}-passages"
        shutil.rmtree(folder, ignore_errors=True)
        store = Bot(Settings(store=folder)).store
        collection = store.collection
        started = time.perf_counter()
        for copy, start in ((c, s) for c in range(-(-size // n)) for s in range(0, n, _BATCH)):
            end = min(start + _BATCH, n, size - copy * n)
            if end <= start:
                break
            vectors = np.asarray(rows["embeddings"][start:end], dtype=np.float32)
            metas = [dict(m) for m in rows["metadatas"][start:end]]
            ids = list(rows["ids"][start:end])
            if copy:
                vectors = vectors + rng.normal(0, 0.05, vectors.shape).astype(np.float32)
                vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
                for m in metas:
                    m["source"] = f"{m['source']}~synthetic-{copy}"
                ids = [f"{i}~{copy}" for i in ids]
            collection.add(
                ids=ids, embeddings=vectors, documents=rows["documents"][start:end], metadatas=metas
            )
        took = time.perf_counter() - started
        print(f"{folder}: {collection.count()} passages ({max(size - n, 0)} synthetic) in {took:.0f} s")
        # Read back by this process, so that a store Chroma cannot search fails here, not later.
        started = time.perf_counter()
        collection.query(query_embeddings=np.asarray(rows["embeddings"][:1], dtype=np.float32), n_results=1)
        print(f"{folder}: searched in {time.perf_counter() - started:.1f} s")


def _questions(file: Path) -> list[str]:
    return [
        json.loads(line)["question"] for line in file.read_text(encoding="utf-8").splitlines() if line.strip()
    ]


def _fresh_ask(store: Path, question: str, chroma_url: str | None) -> tuple[float, float, float]:
    """Seconds to a fresh `quotebot ask`'s answer on its output, seconds until the process has
    exited too, and its peak memory in GB."""
    env = {**os.environ, "QUOTEBOT_STORE": str(store), "HF_HUB_OFFLINE": "1"}
    if chroma_url:
        env["QUOTEBOT_CHROMA_URL"] = chroma_url
    script = (
        "import resource, sys; from bot.cli import main; code = main(sys.argv[1:]); "
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr); sys.exit(code)"
    )
    started = time.perf_counter()
    with subprocess.Popen(
        [sys.executable, "-c", script, "ask", question],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        assert process.stdout is not None and process.stderr is not None
        process.stdout.readline()  # the answer's first line: what a person waits for
        answered = time.perf_counter() - started
        process.stdout.read()
        errors = process.stderr.read()
    exited = time.perf_counter() - started
    if process.returncode:
        raise SystemExit(f"quotebot ask failed ({process.returncode}):\n{errors[-2000:]}")
    return answered, exited, int(errors.strip().splitlines()[-1]) / 1e6


def measure(stores: list[Path], questions_file: Path, chroma_url: str | None) -> None:
    questions = _questions(questions_file)
    print(
        "| passages | p50 ms | p95 ms | first answer (process exited), index kept s "
        "| first answer (exited), no index s | peak GB, index kept / no index |"
    )
    print("|---|---|---|---|---|---|")
    for store in stores:
        # The fresh processes first, with no quotebot of this process's loaded beside them.
        cache = Bot(Settings(store=store, chroma_url=chroma_url)).store.cache_folder
        for saved in cache.glob("index-*"):
            shutil.rmtree(saved)
        rebuilt, rebuilt_exit, peak_rebuilt = _fresh_ask(store, questions[0], chroma_url)
        persisted, persisted_exit, peak = _fresh_ask(store, questions[0], chroma_url)
        bot = Bot(Settings(store=store, chroma_url=chroma_url))
        bot.warm_up()
        times = []
        for q in questions:
            started = time.perf_counter()
            bot.ask(q, k=5)
            times.append((time.perf_counter() - started) * 1000)
        p50, p95 = statistics.median(times), float(np.percentile(times, 95))
        print(
            f"| {bot.store.count()} | {p50:.0f} | {p95:.0f} | {persisted:.1f} ({persisted_exit:.1f}) | "
            f"{rebuilt:.1f} ({rebuilt_exit:.1f}) | {peak:.2f} / {peak_rebuilt:.2f} |",
            flush=True,
        )
    print(f"(this process: peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6:.2f} GB)")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(required=True)
    b = sub.add_parser("build")
    b.add_argument("real", type=Path)
    b.add_argument("out", type=Path)
    b.add_argument("--sizes", type=int, nargs="+", required=True)
    b.set_defaults(run=lambda a: build(a.real, a.out, a.sizes))
    m = sub.add_parser("measure")
    m.add_argument("stores", type=Path, nargs="+")
    m.add_argument("questions", type=Path)
    m.add_argument("--chroma-url")
    m.set_defaults(run=lambda a: measure(a.stores, a.questions, a.chroma_url))
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
