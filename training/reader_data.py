"""Training data for the reader (a cross-encoder re-ranker), built from the shared corpus.

    HF_HUB_OFFLINE=1 nice -n 19 .venv/bin/python -m training.reader_data [--corpus ../shared/corpus]

Every transcript is parsed exactly as ``quotebot ingest`` parses it (``read_document`` and
``passages_from`` with the embedder's ``fits``), so the training passages are the passages the bot
stores and re-ranks. A *group* is one query with a list of passages, the first one the positive:

- ``ict``: inverse cloze inside one answer. A sentence ``s`` of a passage of an answer turn (or of
  the opening statement) that has two passages or more is the query; the candidates are that
  passage and its siblings (the other passages of the same turn). ``s`` is taken out of its
  passage AND one sentence is taken out of every sibling, so every candidate has a gap and the gap
  says nothing. Half the queries are the sentence as spoken; the other half a question made from
  it (its content words, a random 60-80% of them in order, after a question opener), so the model
  does not learn to match declaratives only. A sibling holding a sentence that nearly repeats
  ``s`` (content-word Jaccard >= 0.5) is dropped as a likely false negative.
- ``brief``: the eval questions of ``tests/eval/briefings`` written from the answer paragraphs of
  the TRAINING half of its transcripts only (split by transcript, never by question): the passage
  holding the gold span against the other passages of its answer turn, then passages of other
  turns of the same briefing.
- ``turn``: the interviewer's question against one passage of the answer that follows it (any of
  them, chosen at random, so the first paragraph is not favoured), with passages of other answers
  of the same briefing as negatives. It teaches the turn-level distinction (candidates from other
  turns), not the within-answer one: every paragraph of an answer shares its question.

Excluded from everything: every transcript an eval set asks of (the bundled interview, the press
set's transcripts, and the held-out half of the briefing set's transcripts), recognised by file
name and by content (a corpus file sharing three passages or 20% of its passages with an
excluded transcript is the same transcript under another name). Only the White House briefings
(CC0) are used; ``samples/`` holds other licences and the press set's own transcripts.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import random
import re
import sys
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
EVAL = ROOT / "tests" / "eval"
CACHE = Path(__file__).resolve().parent / "cache"
SEED = 20240521

STOP = frozenset(
    """a about above after again against all am an and any are aren't as at be because been before being
below between both but by can can't cannot could couldn't did didn't do does doesn't doing don't
down during each few for from further had hadn't has hasn't have haven't having he he'd he'll he's
her here here's hers herself him himself his how how's i i'd i'll i'm i've if in into is isn't it
it's its itself let's me more most mustn't my myself no nor not of off on once only or other ought
our ours ourselves out over own same shan't she she'd she'll she's should shouldn't so some such
than that that's the their theirs them themselves then there there's these they they'd they'll
they're they've this those through to too under until up very was wasn't we we'd we'll we're we've
were weren't what what's when when's where where's which while who who's whom why why's will with
won't would wouldn't you you'd you'll you're you've your yours yourself yourselves just also well
know think going get got go look said say yes okay ok thing things lot really want mean so""".split()  # noqa: SIM905
)
OPENERS = ("What about", "What did they say about", "Tell me about", "What is said about", "Why", "How")


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9][a-z0-9'’\-]*", text.lower())


def content(text: str) -> list[str]:
    return [w for w in words(text) if w not in STOP and len(w) > 1]


def jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def norm_hash(text: str) -> str:
    return hashlib.sha1(" ".join(words(text)).encode()).hexdigest()[:16]


@dataclass
class P:
    """A passage as the bot stores it, with what the data builder needs."""

    source: str
    turn: int
    paragraph: int
    speaker: str | None
    question: str | None
    text: str


# --------------------------------------------------------------------------- parsing


def parse_file(path: Path, fits) -> list[P]:
    from ingest import passages_from, read_document

    doc = read_document(path)
    return [
        P(p.source, p.turn, p.paragraph, p.speaker, p.question, p.text)
        for p in passages_from(doc, fits).passages
    ]


def corpus_files(corpus: Path) -> list[Path]:
    return sorted((corpus / "whitehouse-briefings" / "press-briefings").rglob("*.md"))


def parsed_corpus(corpus: Path, refresh: bool = False) -> dict[str, list[P]]:
    """Every briefing's passages, cached in training/cache/ (parsing 1,154 files takes minutes)."""
    cache = CACHE / "passages.jsonl.gz"
    if cache.exists() and not refresh:
        out: dict[str, list[P]] = defaultdict(list)
        with gzip.open(cache, "rt", encoding="utf-8") as f:
            for line in f:
                p = P(**json.loads(line))
                out[p.source].append(p)
        return dict(out)
    from vectorstore.embedder import Embedder

    fits = Embedder().fits
    out = {}
    files = corpus_files(corpus)
    for i, path in enumerate(files):
        try:
            out[path.name] = parse_file(path, fits)
        except Exception as exc:  # a file the bot cannot read is not training data either
            print(f"skip {path.name}: {exc}", file=sys.stderr)
        if i % 100 == 0:
            print(f"parsed {i}/{len(files)}", file=sys.stderr)
    CACHE.mkdir(parents=True, exist_ok=True)
    with gzip.open(cache, "wt", encoding="utf-8") as f:
        for ps in out.values():
            for p in ps:
                f.write(json.dumps(asdict(p)) + "\n")
    return out


# --------------------------------------------------------------------------- splits and exclusions


def briefing_split() -> dict[str, list[str]]:
    """The 48 briefing-eval transcripts split by transcript (a seeded hash of the name):
    24 ``train`` (their questions may be trained on), 12 ``dev`` (choose on) and 12 ``test``
    (report only). ``dev`` and ``test`` are the held-out half: out of every training group."""
    names = sorted(p.name for p in (EVAL / "briefings" / "transcripts").iterdir() if p.suffix == ".md")
    ordered = sorted(names, key=lambda n: hashlib.sha1(f"{SEED}:{n}".encode()).hexdigest())
    half = len(ordered) // 2
    return {
        "train": sorted(ordered[:half]),
        "dev": sorted(ordered[half : half + half // 2]),
        "test": sorted(ordered[half + half // 2 :]),
    }


def excluded_transcripts() -> list[Path]:
    split = briefing_split()
    held = set(split["dev"]) | set(split["test"])
    out = sorted((ROOT / "bot" / "corpus").glob("*.txt"))
    out += [p for p in sorted((EVAL / "press" / "transcripts").iterdir()) if p.name != "NOTICE"]
    out += [p for p in sorted((EVAL / "briefings" / "transcripts").iterdir()) if p.name in held]
    return out


def exclusions(corpus: dict[str, list[P]]) -> tuple[set[str], dict[str, str]]:
    """Corpus sources to leave out, and why: by name, or by shared passages (same text, other name)."""
    from vectorstore.embedder import Embedder

    fits = Embedder().fits
    names: set[str] = set()
    hashes: dict[str, str] = {}
    for path in excluded_transcripts():
        names.add(path.name)
        for p in parse_file(path, fits):
            if len(words(p.text)) >= 8:
                hashes[norm_hash(p.text)] = path.name
    why = {}
    for source, ps in corpus.items():
        if source in names:
            why[source] = f"eval transcript {source}"
            continue
        shared = [
            hashes[h] for h in (norm_hash(p.text) for p in ps if len(words(p.text)) >= 8) if h in hashes
        ]
        if len(shared) >= 3 or (ps and len(shared) >= 0.2 * len(ps)):
            why[source] = f"shares {len(shared)} passages with {shared[0]}"
    return set(why), why


# --------------------------------------------------------------------------- groups


def turns_of(ps: list[P]) -> dict[int, list[P]]:
    out: dict[int, list[P]] = defaultdict(list)
    for p in ps:
        out[p.turn].append(p)
    return out


def sentences(text: str) -> list[str]:
    from ingest import sentence_spans

    return [text[a:b] for a, b in sentence_spans(text)]


def without(sents: list[str], i: int) -> str:
    return " ".join(s for j, s in enumerate(sents) if j != i)


def as_question(sentence: str, rng: random.Random) -> str | None:
    """A question made from a sentence: an opener and 60-80% of its content words, in order."""
    cw = content(sentence)
    if len(cw) < 4:
        return None
    keep = sorted(rng.sample(range(len(cw)), max(3, round(len(cw) * rng.uniform(0.6, 0.8)))))
    return f"{rng.choice(OPENERS)} {' '.join(cw[i] for i in keep)}?"


def ict_groups(corpus: dict[str, list[P]], rng: random.Random, max_negs: int) -> Iterator[dict]:
    for source, ps in corpus.items():
        for turn, tps in turns_of(ps).items():
            if len(tps) < 2:
                continue
            split = [sentences(p.text) for p in tps]
            for i, sents in enumerate(split):
                if len(sents) < 3:
                    continue
                k = rng.randrange(len(sents))
                s = sents[k]
                if len(words(s)) < 6:
                    continue
                cs = set(content(s))
                negs = []
                for j, other in enumerate(split):
                    if j == i or len(other) < 2:
                        continue
                    if any(jaccard(cs, set(content(o))) >= 0.5 for o in other):
                        continue  # a sibling that nearly repeats the sentence: a likely false negative
                    negs.append(without(other, rng.randrange(len(other))))
                if not negs:
                    continue
                rng.shuffle(negs)
                q = s if rng.random() < 0.5 else as_question(s, rng)
                if not q:
                    continue
                yield {
                    "kind": "ict",
                    "source": source,
                    "turn": turn,
                    "query": q,
                    "docs": [without(sents, k), *negs[:max_negs]],
                }


def turn_groups(corpus: dict[str, list[P]], rng: random.Random, max_negs: int) -> Iterator[dict]:
    for source, ps in corpus.items():
        turns = {t: tps for t, tps in turns_of(ps).items() if t > 0 and tps[0].question}
        if len(turns) < 3:
            continue
        for turn, tps in turns.items():
            q = tps[0].question or ""
            if len(words(q)) < 5 or len(words(q)) > 120:
                continue
            pos = rng.choice(tps)
            others = [p for t, o in turns.items() if t != turn for p in o]
            negs = rng.sample(others, min(max_negs, len(others)))
            yield {
                "kind": "turn",
                "source": source,
                "turn": turn,
                "query": q,
                "docs": [pos.text, *(n.text for n in negs)],
            }


def collapse(text: str) -> str:
    return " ".join(text.split())


def brief_groups(
    corpus: dict[str, list[P]], names: list[str], rng: random.Random, max_negs: int
) -> Iterator[dict]:
    rows = [
        json.loads(line)
        for line in (EVAL / "briefings" / "questions.jsonl").read_text().splitlines()
        if line.strip()
    ]
    for row in rows:
        if row.get("source") not in names or not row.get("gold"):
            continue
        ps = corpus.get(row["source"], [])
        gold = collapse(row["gold"])
        hit = [p for p in ps if gold in collapse(p.text)]
        if len(hit) != 1:
            continue
        pos = hit[0]
        sibs = [p for p in ps if p.turn == pos.turn and p is not pos]
        others = [p for p in ps if p.turn != pos.turn]
        negs = sibs[:max_negs] + rng.sample(others, min(max(0, max_negs - len(sibs)), len(others)))
        if negs:
            yield {
                "kind": "brief",
                "source": row["source"],
                "turn": pos.turn,
                "query": row["question"],
                "docs": [pos.text, *(n.text for n in negs)],
                "siblings": len(sibs[:max_negs]),
            }


def build(corpus_dir: Path, max_negs: int = 4, refresh: bool = False) -> tuple[list[dict], dict]:
    rng = random.Random(SEED)
    corpus = parsed_corpus(corpus_dir, refresh)
    corpus = {s: ps for s, ps in corpus.items() if s not in ("README.md", "SOURCE.md")}  # the folder's notes
    drop, why = exclusions(corpus)
    kept = {s: ps for s, ps in sorted(corpus.items()) if s not in drop}
    split = briefing_split()
    groups = list(ict_groups(kept, rng, max_negs))
    groups += list(turn_groups(kept, rng, max_negs))
    groups += list(brief_groups(kept, split["train"], rng, max_negs))
    summary = {
        "corpus_files": len(corpus),
        "excluded": len(drop),
        "excluded_why": why,
        "kept_files": len(kept),
        "kept_passages": sum(map(len, kept.values())),
        "briefing_split": split,
        "groups": {k: sum(g["kind"] == k for g in groups) for k in ("ict", "turn", "brief")},
        "docs_per_group": round(sum(len(g["docs"]) for g in groups) / max(len(groups), 1), 2),
    }
    return groups, summary


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--max-negs", type=int, default=4)
    parser.add_argument("--refresh", action="store_true", help="re-parse the corpus")
    args = parser.parse_args()
    groups, summary = build(args.corpus, args.max_negs, args.refresh)
    CACHE.mkdir(parents=True, exist_ok=True)
    with gzip.open(CACHE / "groups.jsonl.gz", "wt", encoding="utf-8") as f:
        for g in groups:
            f.write(json.dumps(g) + "\n")
    (CACHE / "summary.json").write_text(json.dumps(summary, indent=1))
    short = {k: v for k, v in summary.items() if k not in ("excluded_why", "briefing_split")}
    print(json.dumps(short, indent=1))
    print("excluded:", *sorted(set(summary["excluded_why"].values())), sep="\n  ")


if __name__ == "__main__":
    main()
