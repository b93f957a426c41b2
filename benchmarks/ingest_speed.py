"""Ingest throughput against the bare model's, and the cost of a no-op re-ingest. Prints a table.

    PYTHONPATH=. python benchmarks/ingest_speed.py FOLDER [FOLDER ...]

For each folder: a first ingest into a fresh store (passages per second), the bare model encoding
the same passages' texts in one call (passages per second; the ratio is what ingestion costs beyond
the model), and a second ingest of the unchanged folder (as a share of the first); each the best
of ``--repeat`` runs (3).
``--short-files N FOLDER`` first writes N one-answer files cut from the transcripts of
``tests/eval/briefings/transcripts`` into FOLDER: the case of thousands of short files.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from bot import Bot, Settings
from ingest import count_tokens
from vectorstore import Embedder

BRIEFINGS = Path(__file__).parent.parent / "tests" / "eval" / "briefings" / "transcripts"


def write_short_files(n: int, folder: Path) -> None:
    """``n`` files of one question and one answer each, from the briefings' answers."""
    folder.mkdir(parents=True, exist_ok=True)
    bot = Bot(Settings(store=Path(tempfile.mkdtemp(prefix="quotebot-short-"))))
    bot.ingest([BRIEFINGS])
    passages = bot.store.passages()
    for i, p in enumerate(passages[:n]):
        speaker = p.speaker or "Speaker"
        (folder / f"answer-{i:05d}.md").write_text(
            f"# Answer {i}\n\nQ: {p.question or 'What happened?'}\n\n{speaker}: {p.text}\n", encoding="utf-8"
        )


def measure(folder: Path, repeat: int) -> str:
    """The best of ``repeat`` runs of each, interleaved, so that a noisy moment on a shared machine
    does not land on one side of the ratio only. Each run has a model of its own and nothing
    counted before, as a fresh process would."""
    firsts, bares, seconds = [], [], []
    for _ in range(repeat):
        embedder = Embedder()
        embedder.embed(["warm up"])
        count_tokens.cache_clear()
        store = Path(tempfile.mkdtemp(prefix="quotebot-ingest-"))
        bot = Bot(Settings(store=store), embedder=embedder)
        started = time.perf_counter()
        report = bot.ingest([folder])
        firsts.append(time.perf_counter() - started)
        texts = [p.text for p in bot.store.passages()]
        started = time.perf_counter()
        embedder.embed(texts)
        bares.append(time.perf_counter() - started)
        started = time.perf_counter()
        again = bot.ingest([folder])
        seconds.append(time.perf_counter() - started)
        assert not again.added and not again.replaced, "the second ingest should change nothing"
        shutil.rmtree(store, ignore_errors=True)
    first, bare, second = min(firsts), min(bares), min(seconds)
    files = len(report.added)
    return (
        f"| {folder.name} | {files} | {report.passages} | {report.passages / first:.0f} | "
        f"{len(texts) / bare:.0f} | {bare / first:.2f} | {second:.1f} s ({second / first:.1%}) |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("folders", type=Path, nargs="*")
    parser.add_argument("--short-files", nargs=2, metavar=("N", "FOLDER"))
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; the best is reported")
    args = parser.parse_args()
    if args.short_files:
        write_short_files(int(args.short_files[0]), Path(args.short_files[1]))
    print(
        "| folder | files | passages | ingest passages/s | bare model passages/s | ratio | no-op re-ingest |"
    )
    print("|---|---|---|---|---|---|---|")
    for folder in args.folders:
        print(measure(folder, args.repeat), flush=True)


if __name__ == "__main__":
    main()
