"""Offline evaluation of a reader: re-rank the bot's own candidates, per eval set.

    # 1. the bot's candidates for every eval set (once; builds throwaway stores in training/cache/)
    HF_HUB_OFFLINE=1 nice -n 19 .venv/bin/python -m training.reader_eval dump
    # 2. a reader's scores on them, the mixing weight chosen on the choosing sets, the table
    HF_HUB_OFFLINE=1 nice -n 19 .venv/bin/python -m training.reader_eval score MODEL_DIR [--blind]

The bot ranks each question exactly as it answers it (``Bot.rank``: its candidates, signals and
fused, calibrated score, asked of the line's ``source`` when it names one), keeping its best
``rerank_depth`` (12) candidates. Hits are passage-level (the gold span inside the passage), as
``benchmarks/fit_weights.py`` counts them. The reader re-ranks the top N of them:

- ``bot``: the fused score alone (the order the bot answers in);
- ``reader``: the reader's logit alone;
- ``mix``: logit(fused score) + w * reader logit, with one w chosen on the choosing sets.

Sets: CHOOSE (dev, holdout, tuning, paraphrase, and the briefing-dev quarter) pick w and N;
REPORT (press, the briefing-test quarter) are never chosen on; BLIND (blind2/3/4) are scored
only with ``--blind``, once, for the final candidate.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT / "tests" / "eval"
CACHE = Path(__file__).resolve().parent / "cache"
CANDS = CACHE / "candidates"

CHOOSE = ["dev", "holdout", "tuning", "paraphrase", "briefings-dev"]
REPORT = ["press", "briefings-test"]
BLIND = ["blind2", "blind3", "blind4"]
STORES = {
    "bundled": [ROOT / "bot" / "corpus"],
    "press": [EVAL / "press" / "transcripts"],
    "briefings": [EVAL / "briefings" / "transcripts"],
}


def sets() -> dict[str, tuple[str, Path, set[str] | None]]:
    """name -> (store, question file, the sources it keeps, or None for all)."""
    from training.reader_data import briefing_split

    split = briefing_split()
    out: dict[str, tuple[str, Path, set[str] | None]] = {
        n: ("bundled", EVAL / f"{n}.jsonl", None) for n in ["dev", "holdout", "tuning", "paraphrase", *BLIND]
    }
    out["press"] = ("press", EVAL / "press" / "questions.jsonl", None)
    out["briefings-dev"] = ("briefings", EVAL / "briefings" / "questions.jsonl", set(split["dev"]))
    out["briefings-test"] = ("briefings", EVAL / "briefings" / "questions.jsonl", set(split["test"]))
    return out


def build_store(name: str) -> Path:
    store = CACHE / "stores" / name
    if not (store / "done").exists():
        store.mkdir(parents=True, exist_ok=True)
        cmd = [sys.executable, "-m", "bot", "--store", str(store), "ingest", *map(str, STORES[name])]
        subprocess.run(cmd, check=True, cwd=ROOT)
        (store / "done").write_text("ok")
    return store


def dump(names: list[str]) -> None:
    from bot import Bot, Settings
    from bot.evaluate import collapse, load_cases

    CANDS.mkdir(parents=True, exist_ok=True)
    bots: dict[str, Bot] = {}
    for name, (store, file, keep) in sets().items():
        if names and name not in names:
            continue
        if store not in bots:
            bots[store] = Bot(Settings(store=build_store(store)))
            bots[store].warm_up()
        bot = bots[store]
        first = {}  # (source, turn) -> its first passage's paragraph
        for p in bot.store.derived().passages:
            key = (p.source, p.turn)
            first[key] = min(first.get(key, p.paragraph), p.paragraph)
        rows = []
        for case in load_cases(file):
            if keep is not None and case.source not in keep:
                continue
            ranked = bot.rank(case.question, case.history, sources=[case.source] if case.source else None)
            gold = collapse(case.gold) if case.gold else None
            rows.append(
                {
                    "line": case.line,
                    "kind": case.kind,
                    "question": case.question,
                    "history": list(case.history),
                    "cands": [
                        {
                            "text": c.passage.text,
                            "score": c.score,
                            "source": c.passage.source,
                            "turn": c.passage.turn,
                            "paragraph": c.passage.paragraph,
                            "first_in_turn": c.passage.paragraph == first[(c.passage.source, c.passage.turn)],
                            "gold": bool(gold) and gold in collapse(c.passage.text),
                        }
                        for c in ranked
                    ],
                }
            )
        (CANDS / f"{name}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
        print(f"{name}: {len(rows)} questions", file=sys.stderr)


def load(name: str) -> list[dict]:
    return [json.loads(line) for line in (CANDS / f"{name}.jsonl").read_text().splitlines()]


def query_of(row: dict) -> str:
    """What the reader reads as the question: a follow-up with the question it follows."""
    return " ".join([*row["history"][-1:], row["question"]])


def logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


class Reader:
    def __init__(self, path: str, max_length: int = 256) -> None:
        import torch
        from sentence_transformers.cross_encoder import CrossEncoder

        torch.manual_seed(0)
        self.model = CrossEncoder(path, max_length=max_length, local_files_only=True, device="cpu")
        self.model.eval()

    def score(self, query: str, texts: list[str]) -> list[float]:
        import torch

        with torch.inference_mode():
            tokens = self.model.preprocess([(query, t) for t in texts])
            return self.model(tokens)["scores"].view(-1).float().tolist()


def reader_scores(reader: Reader, rows: list[dict], n: int) -> tuple[list[list[float]], list[float]]:
    scores, times = [], []
    for row in rows:
        texts = [c["text"] for c in row["cands"][:n]]
        start = time.perf_counter()
        scores.append(reader.score(query_of(row), texts) if texts else [])
        times.append((time.perf_counter() - start) * 1000)
    return scores, times


def order(row: dict, rs: list[float], w: float | None, n: int) -> list[int]:
    """Candidate indices best first: the top n re-ranked, the rest as the bot had them."""
    cands = row["cands"]
    top = list(range(min(n, len(cands))))

    def key(i: int) -> float:
        return -rs[i] if w is None else -(logit(cands[i]["score"]) + w * rs[i])  # None: the reader alone

    return sorted(top, key=key) + list(range(len(top), len(cands)))


def metrics(rows: list[dict], scores: list[list[float]], w: float | str | None, n: int) -> dict:
    ranks, firsts, gold_firsts = [], [], []
    for row, rs in zip(rows, scores, strict=True):
        if row["kind"] == "unanswerable":
            continue
        idx = list(range(len(row["cands"]))) if w == "bot" else order(row, rs, w, n)  # type: ignore[arg-type]
        rank = next((k for k, i in enumerate(idx, 1) if row["cands"][i]["gold"]), None)
        ranks.append(rank)
        if idx:
            firsts.append(row["cands"][idx[0]]["first_in_turn"])
        gold_firsts += [c["first_in_turn"] for c in row["cands"][:1] if c["gold"]]
    m = len(ranks)
    return {
        "n": m,
        "hit@1": sum(r == 1 for r in ranks if r) / m,
        "hit@3": sum(r <= 3 for r in ranks if r) / m,
        "mrr": sum(1 / r for r in ranks if r) / m,
        "top1_first_in_turn": sum(firsts) / max(len(firsts), 1),
    }


def gold_first_share(rows: list[dict]) -> float:
    g = [c["first_in_turn"] for r in rows for c in r["cands"] if c["gold"]][: 10**6]
    return sum(g) / max(len(g), 1)


def score(model_dir: str, blind: bool, ns: list[int], out: Path | None) -> dict:
    reader = Reader(model_dir)
    names = CHOOSE + REPORT + (BLIND if blind else [])
    data = {name: load(name) for name in names}
    nmax = max(ns)
    cache = {name: reader_scores(reader, rows, nmax) for name, rows in data.items()}
    grid = [round(0.1 * i, 2) for i in range(0, 31)]

    def choose_total(w, n):
        tot = [metrics(data[s], cache[s][0], w, n) for s in CHOOSE]
        q = sum(t["n"] for t in tot)
        return (sum(t["hit@1"] * t["n"] for t in tot) / q, sum(t["mrr"] * t["n"] for t in tot) / q)

    best = max(((choose_total(w, n), w, n) for n in ns for w in grid), key=lambda t: (t[0], -t[1]))
    (_, w_best, n_best) = best
    # the reader alone, at its best N on the choosing sets
    n_alone = max(ns, key=lambda n: choose_total(None, n))
    result: dict = {"model": model_dir, "w": w_best, "N": n_best, "N_alone": n_alone, "sets": {}}
    lat = []
    print(f"chosen on {'+'.join(CHOOSE)}: w={w_best} N={n_best} (reader alone N={n_alone})")
    print(
        f"{'set':15s} {'n':>4s}  {'bot h1/h3/mrr':>20s}  {'reader h1/h3/mrr':>20s}  {'mix h1/h3/mrr':>20s}  "
        "top1 first-in-turn bot/reader/mix (gold)"
    )
    for name in names:
        rows, (scs, times) = data[name], cache[name]
        b = metrics(rows, scs, "bot", n_best)
        r = metrics(rows, scs, None, n_alone)
        x = metrics(rows, scs, w_best, n_best)
        lat += times
        fmt = lambda d: f"{d['hit@1']:.3f}/{d['hit@3']:.3f}/{d['mrr']:.3f}"  # noqa: E731
        tag = " (choose)" if name in CHOOSE else ""
        print(
            f"{name + tag:15s} {b['n']:4d}  {fmt(b):>20s}  {fmt(r):>20s}  {fmt(x):>20s}  "
            f"{b['top1_first_in_turn']:.2f}/{r['top1_first_in_turn']:.2f}/{x['top1_first_in_turn']:.2f} "
            f"({gold_first_share(rows):.2f})"
        )
        result["sets"][name] = {"bot": b, "reader": r, "mix": x}
    lat.sort()
    result["latency_ms"] = {"N": nmax, "p50": lat[len(lat) // 2], "p90": lat[int(len(lat) * 0.9)]}
    print(
        f"reader latency, {nmax} candidates a question: p50 {result['latency_ms']['p50']:.0f} ms, "
        f"p90 {result['latency_ms']['p90']:.0f} ms (this CPU, shared)"
    )
    if out:
        result["scores"] = {name: [[round(x, 4) for x in rs] for rs in cache[name][0]] for name in names}
        out.write_text(json.dumps(result))
    return result


def latency(model_dir: str, ns: list[int], names: list[str], repeat: int = 1) -> None:
    """Per-question time to score the top N candidates (one batch), warm, on this CPU."""
    import torch

    reader = Reader(model_dir)
    rows = [r for name in names for r in load(name) if r["cands"]]
    reader.score(query_of(rows[0]), [c["text"] for c in rows[0]["cands"]])  # warm up
    print(f"torch threads {torch.get_num_threads()}; load average {os.getloadavg()[0]:.1f}")
    for n in ns:
        times = []
        for _ in range(repeat):
            for row in rows:
                start = time.perf_counter()
                reader.score(query_of(row), [c["text"] for c in row["cands"][:n]])
                times.append((time.perf_counter() - start) * 1000)
        times.sort()
        print(
            f"N={n:2d}: p50 {statistics.median(times):.0f} ms, p90 {times[int(len(times) * 0.9)]:.0f} ms "
            f"({len(times)} questions)"
        )


def main() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("dump")
    d.add_argument("sets", nargs="*")
    s = sub.add_parser("score")
    s.add_argument("model")
    s.add_argument("--blind", action="store_true", help="also the blind sets: only once, for the final model")
    s.add_argument("--n", type=int, nargs="+", default=[5, 8, 12])
    s.add_argument("--out", type=Path)
    lt = sub.add_parser("latency")
    lt.add_argument("model")
    lt.add_argument("--n", type=int, nargs="+", default=[5, 8, 12])
    lt.add_argument("--sets", nargs="+", default=["dev", "holdout"])
    args = parser.parse_args()
    if args.cmd == "latency":
        latency(args.model, args.n, args.sets)
    elif args.cmd == "dump":
        dump(args.sets)
    else:
        score(args.model, args.blind, args.n, args.out)


if __name__ == "__main__":
    main()
