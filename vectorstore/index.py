"""Indexes derived from the passage collection: BM25 over passages, vectors of interviewer questions.

Chroma stays the source of truth: a :class:`DerivedIndex` is built from every passage (or updated
from an earlier one and the sources written since), known by the store's generation and passage
count, and saved beside the store so that the next process loads it (see ``Store.derived``).
Deleting ``<store>/derived/`` loses nothing; it only costs a rebuild.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import logging
import math
import shutil
import tempfile
import time
import weakref
from array import array
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import bm25s
import numpy as np
from bm25s.stopwords import STOPWORDS_EN_PLUS

from ingest import Passage, sentence_spans
from ingest.words import NAME_WORD, STOPWORDS, stemmer, tokenize
from vectorstore.embedder import Embedder
from vectorstore.spelling import Speller, word_counts
from vectorstore.table import PassageTable

logger = logging.getLogger(__name__)
# Of a saved index: bump when what is saved changes (2: a passage's media; 3: word counts; 4: columns;
# 5: the rows by word only as BM25's).
_FORMAT = 5
logging.getLogger("bm25s").setLevel(logging.WARNING)  # it sets DEBUG on itself and logs every build

_MOST_USES = 65_535  # of one word in one passage, as counted
_IDS_RENUMBERED_AT_ONCE = 1 << 22
_ABANDONED_AFTER = 3600.0  # seconds: a build's folder on disk older than this is left over
_SAY_NOTHING = STOPWORDS | frozenset(STOPWORDS_EN_PLUS)  # words a misspelling is not corrected to
_ASKS_BACK_WORDS = 12


@dataclass(frozen=True)
class _Tokens:
    """Each passage's distinct content words, as rows of word ids (compressed sparse rows), and
    how often the passage uses each: enough to index it again without tokenizing it again."""

    vocab: np.ndarray  # the words, sorted
    indptr: np.ndarray  # row i is ids[indptr[i] : indptr[i + 1]]
    ids: np.ndarray
    counts: np.ndarray  # how often row i uses each of its words (uint16 as built: half of int32's memory)

    @classmethod
    def of(cls, docs: Iterable[Sequence[str]]) -> _Tokens:
        """The words of ``docs``, read one doc at a time, each row's in the order the doc first
        uses them: a million passages' words held at once, each a string of its own, took
        gigabytes, and sorting each row's took gigabytes more."""
        number: dict[str, int] = {}
        ids, counts, lengths = array("i"), array("H"), array("q")
        for doc in docs:
            counted = Counter(doc)
            ids.extend(number.setdefault(w, len(number)) for w in counted)
            before = len(counts)
            try:
                counts.extend(counted.values())
            except OverflowError:  # a word used more than 65,535 times in one passage counts that often
                del counts[before:]
                counts.extend(min(n, _MOST_USES) for n in counted.values())
            lengths.append(len(counted))
        # Objects, not fixed-width strings: one very long "word" would widen every entry.
        vocab = np.array(sorted(number), dtype=object)
        renumber = np.empty(len(vocab), np.int32)  # the order met -> the vocabulary's order
        renumber[np.array([number[w] for w in vocab.tolist()], dtype=np.int64)] = np.arange(len(vocab))
        indptr = np.concatenate([[0], np.cumsum(np.frombuffer(lengths, dtype=np.int64))]).astype(np.int64)
        word_ids = np.frombuffer(ids, dtype=np.int32)
        # In place, a slice at a time: a renumbered copy of every id held a quarter of a gigabyte
        # more at a million passages.
        for start in range(0, len(word_ids), _IDS_RENUMBERED_AT_ONCE):
            chunk = word_ids[start : start + _IDS_RENUMBERED_AT_ONCE]
            chunk[:] = renumber[chunk]
        return cls(vocab, indptr, word_ids, np.frombuffer(counts, np.uint16))

    @classmethod
    def gather(cls, parts: Sequence[_Tokens], rows: Sequence[tuple[int, int]]) -> _Tokens:
        """The ``rows`` named (which of ``parts``, which row of it), in that order; the vocabulary
        is the words they use, as :meth:`of` would make it from their words."""
        vocab = np.array(sorted(set().union(*(part.vocab.tolist() for part in parts))), dtype=object)
        renumber = [np.searchsorted(vocab, part.vocab).astype(np.int64) for part in parts]
        ids, counts = [], []
        for which, row in rows:
            part = parts[which]
            start, end = part.indptr[row], part.indptr[row + 1]
            ids.append(renumber[which][part.ids[start:end]])
            counts.append(part.counts[start:end])
        indptr = np.concatenate([[0], np.cumsum([len(row) for row in ids])]).astype(np.int64)
        joined = np.concatenate(ids) if ids else np.zeros(0, np.int32)
        used = np.unique(joined)  # a removed source's own words go
        return cls(
            vocab[used],
            indptr,
            np.searchsorted(used, joined).astype(np.int32),
            np.concatenate(counts or [np.zeros(0, np.uint16)]),
        )

    def of_row(self, row: int) -> frozenset[str]:
        return frozenset(self.vocab[self.ids[self.indptr[row] : self.indptr[row + 1]]].tolist())

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for name in ("indptr", "ids", "counts"):
            np.save(folder / f"{name}.npy", getattr(self, name))

    @classmethod
    def load(cls, folder: Path, vocab: np.ndarray) -> _Tokens:
        """The words saved in ``folder``, mapped rather than read: a question reads a few rows'."""
        arrays = {
            name: np.load(folder / f"{name}.npy", mmap_mode="r", allow_pickle=False)
            for name in ("indptr", "ids", "counts")
        }
        return cls(vocab, **arrays)


@dataclass(frozen=True)
class QuestionVectors:
    """One unit vector per sentence of each distinct interviewer question."""

    texts: list[str]  # distinct question texts
    vectors: np.ndarray  # (sentences, dim)
    owner: np.ndarray  # question index of each sentence row


@dataclass(frozen=True)
class _TextFacts:
    """What the index takes from the passages' texts besides their words, read while the texts
    are in memory: the build then keeps them on disk (see :func:`_on_disk`)."""

    answers: np.ndarray  # per row: whether the passage answers (rather than asks back)
    surnames: dict[str, set[str]]  # see _surnames
    word_counts: tuple[Counter[str], Counter[str]]  # for the spelling dictionary, see word_counts

    @classmethod
    def of(cls, passages: PassageTable) -> _TextFacts:
        # Each speaker, question and title once: counted with every passage, a speaker's name
        # would outweigh a word the speakers use ("defese" would be "Deese", not "defense").
        labels = set().union(*(passages.distinct(name) for name in ("speaker", "question", "title")))
        return cls(
            np.array([not asks_back(text) for text in passages.texts()], dtype=bool),
            _surnames(passages.distinct("speaker"), passages.texts()),
            word_counts(itertools.chain(passages.texts(), sorted(label for label in labels if label))),
        )


class DerivedIndex:
    """Everything retrieval needs beyond Chroma's nearest neighbours, for one collection state.

    Built from the passages (:meth:`build`), or loaded from where an earlier process saved it
    (:meth:`load`), which skips the tokenizing, the BM25 index and the word counts.
    """

    def __init__(
        self,
        key: str,
        passages: PassageTable,
        embedder: Embedder,
        cache: Path | None,
        tokens: _Tokens,
        bm25: bm25s.BM25,
        facts: _TextFacts,
    ) -> None:
        self.key = key
        self.passages = passages
        self.tokens = tokens
        self.bm25 = bm25
        self.postings = _postings(bm25)
        self.questions = _question_vectors(passages.distinct("question"), embedder, cache)
        label_number = {label: n for n, label in enumerate(passages.labels)}
        question_of = np.full(len(passages.labels) + 1, -1, dtype=np.int64)  # the last for no question
        for i, question in enumerate(self.questions.texts):
            question_of[label_number[question]] = i
        self.question_index = question_of[passages.columns["question"]]
        self.sources = passages.strings("source")
        self.speakers = passages.strings("speaker", none="")
        self.answers = facts.answers
        self.speaker_surnames = facts.surnames
        self.speaker_by_lower = {s.lower(): s for s in passages.distinct("speaker") if s}
        self.paragraph_start, self.paragraph_end = _paragraph_bounds(passages)
        self._word_counts = facts.word_counts

    @classmethod
    def build(
        cls, key: str, passages: Iterable[Passage], embedder: Embedder, cache: Path | None = None
    ) -> DerivedIndex:
        """The index of ``passages`` (in any order), known by ``key`` (what the store was when they
        were read)."""
        table = PassageTable.of(passages)
        table = table.take(table.source_order())
        tokens = _Tokens.of(tokenize(_about(p)) for p in table)
        facts = _TextFacts.of(table)
        table = _on_disk(table, cache)  # rebound: nothing else holds the table in memory
        return cls._of(key, table, tokens, facts, embedder, cache)

    @classmethod
    def updated(
        cls,
        base: DerivedIndex,
        key: str,
        changed: Collection[str],
        passages: Sequence[Passage],
        embedder: Embedder,
        cache: Path | None = None,
    ) -> DerivedIndex:
        """``base`` with the sources ``changed`` holding ``passages`` now (none if removed): the same
        index a build from every passage gives, without reading or tokenizing the others again."""
        added = PassageTable.of(passages)
        kept = np.flatnonzero(~np.isin(base.sources, list(changed)))
        table = PassageTable.joined([base.passages.take(kept), added])
        order = table.source_order()
        rows = [(0, int(kept[j])) if j < len(kept) else (1, j - len(kept)) for j in order.tolist()]
        tokens = _Tokens.gather([base.tokens, _Tokens.of(tokenize(_about(p)) for p in added)], rows)
        table = table.take(order)
        facts = _TextFacts.of(table)
        table = _on_disk(table, cache)  # rebound: nothing else holds the table in memory
        return cls._of(key, table, tokens, facts, embedder, cache)

    @classmethod
    def _of(
        cls,
        key: str,
        passages: PassageTable,
        tokens: _Tokens,
        facts: _TextFacts,
        embedder: Embedder,
        cache: Path | None,
    ) -> DerivedIndex:
        bm25 = _bm25(tokens) if len(passages) else bm25s.BM25()
        return cls(key, passages, embedder, cache, tokens, bm25, facts)

    def __len__(self) -> int:
        return len(self.passages)

    def row(self, passage_id: str) -> int | None:
        """The row of passage ``passage_id``; None when the index has none."""
        return self.passages.row(passage_id)

    @cached_property
    def source_names(self) -> frozenset[str]:
        """The sources ingested, each once."""
        return frozenset(self.sources.tolist())

    def words_of(self, row: int) -> frozenset[str]:
        """The content words passage ``row`` is indexed by."""
        return self.tokens.of_row(row)

    @cached_property
    def speller(self) -> Speller:
        """Corrects a question's misspelt words to the words of the passages (built on first use)."""
        return Speller(*self._word_counts, stemmer().stemWord, _SAY_NOTHING)

    def save(self, folder: Path) -> None:
        """Write the index into ``folder`` (created if need be) for :meth:`load`."""
        folder.mkdir(parents=True, exist_ok=True)
        self.passages.save(folder / "passages")
        np.save(folder / "answers.npy", self.answers)
        self.tokens.save(folder / "tokens")
        if len(self.passages):
            self.bm25.save(str(folder / "bm25"))
        counts, forms = self._word_counts
        words = {
            "vocab": self.tokens.vocab.tolist(),
            "surnames": {k: sorted(v) for k, v in self.speaker_surnames.items()},
            "counts": counts,
            "forms": forms,
        }
        (folder / "words.json").write_text(json.dumps(words, ensure_ascii=False), encoding="utf-8")
        # Written last: a folder without it (a crash while saving) is never loaded.
        (folder / "index.json").write_text(json.dumps({"format": _FORMAT, "key": self.key}), encoding="utf-8")

    @staticmethod
    def saved_key(folder: Path) -> str | None:
        """The key of the index saved whole in ``folder`` in this format; None if there is none."""
        try:
            saved = json.loads((folder / "index.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if (
            not isinstance(saved, dict)
            or saved.get("format") != _FORMAT
            or not isinstance(saved.get("key"), str)
        ):
            return None
        return saved["key"]

    @classmethod
    def load(
        cls, folder: Path, key: str, embedder: Embedder, cache: Path | None = None
    ) -> DerivedIndex | None:
        """The index saved in ``folder`` if it was saved for ``key``; None if it was not, or cannot
        be read (it is then rebuilt: losing it loses nothing)."""
        if cls.saved_key(folder) != key:
            return None
        try:
            passages = PassageTable.load(folder / "passages")
            answers = np.load(folder / "answers.npy", allow_pickle=False)
            words = json.loads((folder / "words.json").read_text(encoding="utf-8"))
            tokens = _Tokens.load(folder / "tokens", np.array(words["vocab"], dtype=object))
            bm25 = bm25s.BM25.load(str(folder / "bm25"), mmap=True) if len(passages) else bm25s.BM25()
            facts = _TextFacts(
                answers,
                {k: set(v) for k, v in words["surnames"].items()},
                (Counter(words["counts"]), Counter(words["forms"])),
            )
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            logger.warning(
                "rebuilding the derived index: the saved one in %s cannot be read (%s)", folder, exc
            )
            return None
        return cls(key, passages, embedder, cache, tokens, bm25, facts)

    def paragraph_goes_on(self, passage: Passage) -> tuple[bool, bool]:
        """Whether ``passage``'s paragraph goes on before it and after it: ingestion cut a long
        paragraph into several passages."""
        row = self.row(passage.id)
        if row is None:
            return False, False
        return int(self.paragraph_start[row]) < passage.char_start, passage.char_end < int(
            self.paragraph_end[row]
        )

    def idf(self, word: str, unused: Collection[str] = ()) -> float:
        """Inverse document frequency; a word the corpus never uses, or that is among ``unused``,
        weighs the most."""
        n = len(self.passages)
        return math.log((n + 1) / (self._doc_freq(word, unused) + 0.5))

    def _doc_freq(self, word: str, unused: Collection[str] = ()) -> int:
        """How many passages use ``word``; none when it is among ``unused``."""
        return 0 if word in unused else len(self.postings.get(word, ()))

    def unused(self, words: Collection[str], allowed: np.ndarray) -> frozenset[str]:
        """The ``words`` that no passage the filters allow uses, where the filters leave some out:
        "What did Lavrov say about Japan?" is about something Lavrov never mentions, however often
        the other speakers in the store do."""
        if not (self.answers & ~allowed).any():
            return frozenset()
        none = np.zeros(0, dtype=np.int64)
        return frozenset(w for w in words if not allowed[self.postings.get(w, none)].any())

    def lexical_scores(self, query_tokens: Sequence[str], unused: Collection[str] = ()) -> np.ndarray:
        """BM25 score of every passage as a share of the most BM25 can give the question's words
        (the sum of their IDFs), so in [0, 1); zeros when no question word is in the vocabulary.

        Dividing by the best score instead would give full marks to a passage that shares only one
        common verb with the question whenever nothing matches better. A question word no passage
        uses counts in that most at the highest IDF: without it, "How many nuclear warheads does
        Russia have?" would be scored on "Russia" alone, and score well. So does a word among
        ``unused`` (see :meth:`unused`).
        """
        words = list(dict.fromkeys(query_tokens))
        known = [t for t in words if t in self.bm25.vocab_dict]
        if not known or not len(self.passages):
            return np.zeros(len(self.passages), dtype=np.float32)
        scores = np.asarray(self.bm25.get_scores(known), dtype=np.float32)
        return scores / sum(self._bm25_idf(t, unused) for t in words)

    def _bm25_idf(self, word: str, unused: Collection[str] = ()) -> float:
        """The IDF bm25s weighs ``word`` by (Lucene's): a term's BM25 score approaches it as the
        term repeats."""
        df = self._doc_freq(word, unused)
        return math.log(1.0 + (len(self.passages) - df + 0.5) / (df + 0.5))

    def question_similarity(self, vector: np.ndarray) -> np.ndarray:
        """Per passage: the best cosine between ``vector`` and a sentence of its interviewer question."""
        q = self.questions
        best = np.zeros(len(q.texts), dtype=np.float32)
        if len(q.owner):
            np.maximum.at(best, q.owner, q.vectors @ vector)
        out = np.zeros(len(self.passages), dtype=np.float32)
        has = self.question_index >= 0
        out[has] = best[self.question_index[has]]
        return out

    def asked_vectors(self, passage_id: str) -> np.ndarray:
        """The vectors of the sentences of the interviewer's question ``passage_id`` answers
        (no rows when it answers none)."""
        i = self.row(passage_id)
        owner = -1 if i is None else int(self.question_index[i])
        rows = self.questions.owner == owner if owner >= 0 else np.zeros(len(self.questions.owner), bool)
        return self.questions.vectors[rows]


def _bm25(tokens: _Tokens, rows_at_once: int = 1 << 13) -> bm25s.BM25:
    """bm25s's index of the passages whose words ``tokens`` counts, scored by bm25s's own formulas
    as its ``index`` scores them, from the counts: ``index`` takes every word of every passage as
    a Python object, and held eight gigabytes for a million passages.

    Its matrix is by word (a column of scores per word, down the passages that use it), filled
    ``rows_at_once`` passages at a time: transposing the whole matrix with scipy held several
    copies of it, two gigabytes more at a million passages.
    """
    bm25 = bm25s.BM25()
    indptr, ids = tokens.indptr, tokens.ids
    n_docs, n_words = len(indptr) - 1, len(tokens.vocab)
    slices = [(first, min(first + rows_at_once, n_docs)) for first in range(0, n_docs, rows_at_once)]
    lengths = np.empty(n_docs, np.int64)  # each passage's words, repeats included
    for first, last in slices:
        start = indptr[first]
        total = np.concatenate([[0], np.cumsum(tokens.counts[start : indptr[last]], dtype=np.int64)])
        lengths[first:last] = total[indptr[first + 1 : last + 1] - start] - total[indptr[first:last] - start]
    average = lengths.mean()
    doc_freq = np.bincount(ids, minlength=n_words)
    idf = bm25s.scoring._build_idf_array(
        dict(enumerate(doc_freq.tolist())),
        n_docs,
        bm25s.scoring._select_idf_scorer(bm25.idf_method),
        bm25.dtype,
    )
    tfc = bm25s.scoring._select_tfc_scorer(bm25.method)
    column_start = np.concatenate([[0], np.cumsum(doc_freq)])
    data = np.empty(len(ids), dtype=bm25.dtype)
    rows = np.empty(len(ids), dtype=bm25.int_dtype)
    filled = column_start[:-1].copy()  # where each word's column goes on
    for first, last in slices:
        start, end = indptr[first], indptr[last]
        words, per_row = ids[start:end], np.diff(indptr[first : last + 1])
        counts = tokens.counts[start:end].astype(bm25.dtype)
        scores = idf[words] * tfc(
            counts, np.repeat(lengths[first:last], per_row), average, bm25.k1, bm25.b, bm25.delta
        )
        # By word, and within a word by passage (a stable sort of passages already in order).
        order = np.argsort(words, kind="stable")
        by_word = words[order]
        at = filled[by_word] + np.arange(len(order)) - np.searchsorted(by_word, by_word)
        data[at] = scores[order]
        rows[at] = np.repeat(np.arange(first, last), per_row)[order]
        filled += np.bincount(words, minlength=n_words)
    bm25.scores = {"data": data, "indices": rows, "indptr": column_start, "num_docs": n_docs}
    bm25.vocab_dict = {word: i for i, word in enumerate(tokens.vocab.tolist())}
    bm25.vocab_dict[""] = n_words  # as ``index`` adds it
    bm25.unique_token_ids_set = set(bm25.vocab_dict.values())
    bm25.nonoccurrence_array = None  # only BM25L and BM25+ use it
    return bm25


def _postings(bm25: bm25s.BM25) -> dict[str, np.ndarray]:
    """Word -> the rows that use it, in order: the passages down its column of BM25 scores."""
    if not getattr(bm25, "vocab_dict", None):  # no passages: bm25s has nothing indexed
        return {}
    bounds, rows = bm25.scores["indptr"], bm25.scores["indices"]
    return {w: rows[bounds[i] : bounds[i + 1]] for w, i in bm25.vocab_dict.items() if i < len(bounds) - 1}


def _on_disk(table: PassageTable, cache: Path | None) -> PassageTable:
    """``table`` saved in a folder of its own in ``cache`` and mapped back, for a build that no
    longer reads the texts: they leave memory while BM25 is built (0.4 GB at a million passages),
    and saving the index links their files. The folder goes when the table does."""
    if cache is None:
        return table
    folder = None
    try:
        folder = _spill_folder(cache)
        mapped = table.on_disk(folder)
    except OSError as exc:  # a read-only or full disk: built in memory, as it can be
        logger.info("building the index in memory: %s", exc)
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
        return table
    weakref.finalize(mapped, shutil.rmtree, folder, True)
    return mapped


def _spill_folder(cache: Path) -> Path:
    """A new folder in ``cache`` for what a build keeps on disk, after removing those left for an
    hour (by a build that crashed or was killed). A build writes its folder in seconds; removing
    one later harms nothing on a POSIX system, where what was mapped from it stays readable and a
    saved index holds its own links to the files."""
    cache.mkdir(parents=True, exist_ok=True)
    for old in cache.glob("building-*"):
        with contextlib.suppress(OSError):
            if time.time() - old.stat().st_mtime > _ABANDONED_AFTER:
                shutil.rmtree(old, ignore_errors=True)
    return Path(tempfile.mkdtemp(prefix="building-", dir=cache))


def _paragraph_bounds(passages: PassageTable) -> tuple[np.ndarray, np.ndarray]:
    """Per row: where the paragraph its passage is of starts and ends, as far as the passages of
    that paragraph reach (ingestion cuts a long paragraph into several)."""
    columns = passages.columns
    source, turn, paragraph = columns["source"], columns["turn"], columns["paragraph"]
    if not len(passages):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    order = np.lexsort((paragraph, turn, source))
    s, t, p = source[order], turn[order], paragraph[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = (s[1:] != s[:-1]) | (t[1:] != t[:-1]) | (p[1:] != p[:-1])
    group = np.cumsum(first) - 1
    starts = np.flatnonzero(first)
    start, end = np.empty(len(order), np.int64), np.empty(len(order), np.int64)
    start[order] = np.minimum.reduceat(columns["char_start"][order], starts)[group]
    end[order] = np.maximum.reduceat(columns["char_end"][order], starts)[group]
    return start, end


def _about(p: Passage) -> str:
    """The words a passage is indexed by: its text, who says it, what they were asked, and the
    interview it comes from ("What did Lavrov say about …"; an answer rarely repeats its subject)."""
    return f"{p.text} {p.speaker or ''} {p.question or ''} {p.title}"


def asks_back(text: str) -> bool:
    """Whether a passage is a short question of the speaker's own, "A vaccine passport?" or
    "Dr. Fauci, anything to add?": it hands over or asks back, and answers nothing."""
    return text.rstrip().endswith("?") and len(text.split()) <= _ASKS_BACK_WORDS


def _surnames(speakers: set[str], texts: Iterable[str]) -> dict[str, set[str]]:
    """Lower-cased surname -> the speaker labels ending in it, for the labels that look like a
    person's name: two words or more, the first not a stop word ("On Russia" is a heading), the
    last a word of three letters or more that the transcripts never write in lower case ("Ms.
    Young" and "Senior Administration Official" end in ordinary words, "Sergey Lavrov" does not).
    A one-word label is left out: "Clinton" and "Jerusalem" cannot be told apart.
    """
    found: dict[str, set[str]] = {}
    for label in speakers:
        words = label.split()
        if len(words) < 2 or words[0].lower() in STOPWORDS:
            continue
        last = words[-1]
        if len(last) >= 3 and NAME_WORD.fullmatch(last) and not last.isupper():
            found.setdefault(last.lower(), set()).add(label)
    if found:
        lower = {w for text in texts for w in NAME_WORD.findall(text) if w.islower()}
        found = {w: labels for w, labels in found.items() if w not in lower}
    return found


def _question_vectors(questions: Collection[str], embedder: Embedder, cache: Path | None) -> QuestionVectors:
    """The sentence vectors of each distinct interviewer question, saved beside the store by
    question, so that a rebuild neither splits nor embeds a question it has seen before."""
    texts = sorted(q for q in questions if q)
    keys = [hashlib.sha256(t.encode()).hexdigest()[:20] for t in texts]
    file = cache / f"question-vectors-{embedder.dimension}.npz" if cache else None
    saved = _load_vectors(file)
    missing = [(k, t) for k, t in zip(keys, texts, strict=True) if k not in saved]
    if missing:
        logger.info("embedding the sentences of %d interviewer questions", len(missing))
        spans = [(k, t[a:b]) for k, t in missing for a, b in sentence_spans(t)]
        saved.update(_by_key([k for k, _ in spans], embedder.embed([sentence for _, sentence in spans])))
        if file is not None:
            _save_vectors(file, {k: saved[k] for k in keys if k in saved})
    none = np.zeros((0, embedder.dimension), dtype=np.float32)
    rows = [saved.get(k, none) for k in keys]
    owner = np.repeat(np.arange(len(keys)), [len(r) for r in rows])
    vectors = np.concatenate(rows) if rows else none
    return QuestionVectors(texts, vectors.astype(np.float32), owner.astype(np.int64))


def _load_vectors(file: Path | None) -> dict[str, np.ndarray]:
    """Saved vectors by key; a key may own several rows (one per sentence)."""
    if file is None or not file.exists():
        return {}
    try:
        with np.load(file) as data:
            keys, vectors = data["keys"].tolist(), data["vectors"]
    except (OSError, ValueError, KeyError) as exc:
        logger.warning("ignoring unreadable vector cache %s: %s", file, exc)
        return {}
    return _by_key(keys, vectors)


def _by_key(keys: list[str], vectors: np.ndarray) -> dict[str, np.ndarray]:
    """The rows of ``vectors`` grouped by the key of each row, in order."""
    rows: dict[str, list[int]] = {}
    for i, k in enumerate(keys):
        rows.setdefault(k, []).append(i)
    return {k: vectors[i] for k, i in rows.items()}


def _save_vectors(file: Path, saved: dict[str, np.ndarray]) -> None:
    if not saved:
        return
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        keys = np.array([k for k, rows in saved.items() for _ in rows])
        np.savez(file, keys=keys, vectors=np.concatenate(list(saved.values())))
    except OSError as exc:
        logger.warning("cannot save the vector cache %s: %s", file, exc)
