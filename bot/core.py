"""The bot: a question (and the chat history) in, an Answer of verbatim quotes out."""

from __future__ import annotations

import gc
import logging
import math
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import lru_cache, partial
from pathlib import Path

import numpy as np

from bot.answer import Answer, Quote
from bot.context import Context, context_of
from bot.followup import asks_for_more, blend, followup_weight, means_nothing_alone, points_back
from bot.fusion import FEATURES, coverage, fuse, top_indices
from bot.highlight import (
    highlight_indices,
    quote_window,
    runs,
    sentence_scores,
    verbatim_segments,
    window_text,
)
from bot.query import (
    ASKS_WHAT_SAID,
    Query,
    named_speakers,
    plain,
    query_tokens,
    speakers_named,
    topic_tokens,
)
from bot.ranking import RankingModel
from bot.settings import Settings, check_top_k
from ingest import Passage, sentence_spans
from ingest.errors import EmptyQuestionError, SourceNotFoundError, SpeakerNotFoundError
from ingest.words import tokenize
from vectorstore import Embedder, IngestReport, SourceInfo, Store
from vectorstore.embedder import Pieces
from vectorstore.index import DerivedIndex
from vectorstore.scope import Scope

logger = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 1000
_DETAIL_CACHE = 1024  # passages whose details are kept in memory (about 80 kB each)
_QUESTION_CACHE = 256  # questions whose embeddings are kept in memory (about 30 kB each)
_MORE_DEPTH = 50  # candidates ranked for "Tell me more" and the like


@dataclass(frozen=True)
class PassageDetail:
    """What re-scoring and highlighting need of a passage: its sentences' spans, unit vectors and
    content words, and its word pieces' vectors in context."""

    spans: tuple[tuple[int, int], ...]
    vectors: np.ndarray
    tokens: tuple[frozenset[str], ...]
    pieces: np.ndarray


@dataclass(frozen=True)
class Candidate:
    """A passage considered for an answer, its signals and its fused, calibrated score."""

    passage: Passage
    signals: dict[str, float]
    score: float
    detail: PassageDetail
    sentence_similarities: np.ndarray
    query: Query
    pool: int
    """How many passages the question could be answered from (the store, or what its filters allow)."""


class Bot:
    """Answers questions from the passages in one store. Cheap to create; the model loads on first use."""

    def __init__(
        self,
        settings: Settings | None = None,
        embedder: Embedder | None = None,
        model: RankingModel | None = None,
    ) -> None:
        self.settings = settings or Settings.from_env()
        s = self.settings
        self.model = model or RankingModel.load(s.ranking)
        self.store = Store(
            path=None if s.chroma_url else s.store,
            url=s.chroma_url,
            embedder=embedder,
            max_tokens=s.max_tokens,
        )
        self.embedder = self.store.embedder
        self._detail_cache: OrderedDict[str, PassageDetail] = OrderedDict()
        self._detail_lock = threading.Lock()  # the chat asks from several threads at once
        # Details being embedded for one question, which another wanting them waits for rather
        # than embedding them again: the chat's first questions mostly want the same passages.
        self._detail_pending: dict[str, Future[PassageDetail]] = {}
        # A follow-up reads the question before it again, "Tell me more" ranks it again, and a
        # demo's audience asks the same questions: each is embedded once.
        self._question_pieces = lru_cache(maxsize=_QUESTION_CACHE)(self._embed_question)
        self._vector_fetches = ThreadPoolExecutor(thread_name_prefix="quotebot-vectors")

    def ask(
        self,
        question: str,
        history: Sequence[str] = (),
        k: int | None = None,
        sources: Iterable[str] | None = None,
        speakers: Iterable[str] | None = None,
    ) -> Answer:
        """Quote the passages that best answer ``question``, best first."""
        question = plain(question or "")
        if not question:
            raise EmptyQuestionError("The question is empty: type a question about the transcripts.")
        if len(question) > MAX_QUESTION_CHARS:
            raise EmptyQuestionError(
                f"The question is {len(question)} characters long; keep it under {MAX_QUESTION_CHARS}."
            )
        if not any(h.strip() for h in history) and means_nothing_alone(question, tokenize(question)):
            raise EmptyQuestionError(
                f"“{question}” follows on from an earlier question: ask about the transcripts first."
            )
        k = self.settings.top_k if k is None else check_top_k(k, "k")
        with self.store.reading():  # a write by the chat gives way while it is answered
            return self._answer(question, history, k, sources, speakers)

    def _answer(
        self,
        question: str,
        history: Sequence[str],
        k: int,
        sources: Iterable[str] | None,
        speakers: Iterable[str] | None,
    ) -> Answer:
        # One view of the store for the whole question: an ingest or removal meanwhile (another
        # thread's upload) is seen by the next question, never by half of this one.
        index = self.store.derived()
        sources, speakers = (list(sources) if sources else None), (list(speakers) if speakers else None)
        self._check_scope(index, sources, speakers)
        searched, history = question, [plain(h) for h in history]
        if self.settings.spelling:
            speller = index.speller
            searched, history = speller.correct(question), [speller.correct(h) for h in history]
        subject, earlier, requests = self._more_of(index, searched, history)
        skip = requests * k  # the passages already quoted for the question and each request for more
        depth = _MORE_DEPTH if requests else 0  # one ranking for every page, so no page repeats another
        ranked = self.rank(subject, earlier, sources=sources, speakers=speakers, depth=depth, index=index)
        quotes = self._quotes(index, ranked, skip, k)
        answered = bool(quotes) and quotes[0].score >= self.model.min_score
        follows = subject if requests else ranked[0].query.context if ranked else None
        spelled = searched if searched != question else None
        return Answer(question, answered, quotes, follows=follows, more=bool(requests), searched=spelled)

    def rank(
        self,
        question: str,
        history: Sequence[str] = (),
        sources: Iterable[str] | None = None,
        speakers: Iterable[str] | None = None,
        depth: int = 0,
        index: DerivedIndex | None = None,
    ) -> list[Candidate]:
        """The best candidate passages for ``question`` with their signals and fused scores, best first.

        Three retrievers propose candidates: the Chroma nearest neighbours of the question, BM25
        over the passages, and the passages whose interviewer question resembles it. Their
        signals are fused into a calibrated score; the best ``rerank_depth`` (or ``depth``, if
        more) are then re-scored with their best sentence's similarity and the word-by-word match
        of their word pieces, and returned. A question that names speakers ("What did Lavrov say
        …") is answered from their passages only, unless ``speakers`` are given; a name of someone
        who does not speak in ``sources`` is the question's subject, not a filter. A question
        that may or may not follow up on the previous one is ranked both ways, each asking of the
        speakers named before, and the more confident reading is kept.
        """
        index = index or self.store.derived()
        if not len(index):
            return []
        query = self._query(index, question, history, sources)
        ranked = self._ranked(index, query, sources, speakers, depth)
        asks_their_words = any(ASKS_WHAT_SAID.search(text or "") for text in (question, query.context))
        if query.speakers and not speakers and not asks_their_words:
            # A person the question names may be who speaks ("What did Biden say of Putin?") or
            # whom it is about ("Is Biden going to retaliate?", answered by his press secretary):
            # unless it asks what they said, and where their passages are not all there is, keep
            # the reading answered more confidently, the narrower one judged as if from the whole
            # pool (a smaller pool raises a score).
            allowed = Scope.of(sources).mask(index)
            if Scope.of(sources, query.speakers).mask(index).sum() < allowed.sum():
                about = replace(query, tokens=query_tokens(index, question), speakers=[])
                broad = self._ranked(index, about, sources, speakers, depth)
                if broad and (not ranked or broad[0].score > self._in_pool(ranked[0], broad[0].pool)):
                    ranked = broad
        if query.context_weight and not points_back(question, query.tokens):
            # It names things of its own, so it may be a new question rather than a follow-up
            # ("When did the harbour reopen?", "What about vaccine passports?"): keep the reading
            # the transcripts answer more confidently. Either way it asks of the speakers named
            # before ("And in summer?" after "What did Lavrov say about bees?").
            own = replace(self._query(index, question, (), sources), speakers=query.speakers)
            alone = self._ranked(index, own, sources, speakers, depth)
            if alone and (not ranked or alone[0].score > ranked[0].score):
                return alone
        return ranked

    def _check_scope(
        self, index: DerivedIndex, sources: Iterable[str] | None, speakers: Iterable[str] | None
    ) -> None:
        """Raise when ``sources`` or ``speakers`` leave no passage to quote, saying which name matched
        nothing and what there is.

        Without this, such a question gets no quotes at all, which reads as an empty store. An empty
        store passes: its answer says that nothing has been ingested. A speaker a question names
        who does not speak in ``sources`` is no error: they are what it asks about ("How did Biden
        describe his meeting with Putin?" of a press conference where Putin does not speak), and the
        bot answers it from ``sources`` (see :func:`bot.query.named_speakers`).
        """
        if not len(index):
            return
        source_list = list(sources or [])
        if missing := [s for s in source_list if s not in index.source_names]:
            raise SourceNotFoundError(
                f"No source named {_names(missing)} in the store. "
                f"Ingested sources: {_listing(sorted(index.source_names))}."
            )
        if speakers and (
            missing := [
                s for s in speakers if not Scope.of(source_list, speakers_named(index, [s])).mask(index).any()
            ]
        ):
            where = f"in {', '.join(source_list)}" if source_list else "in the store"
            chosen = Scope.of(source_list).mask(index)
            present = sorted({str(s) for s in index.speakers[chosen] if s})
            raise SpeakerNotFoundError(
                f"No speaker named {_names(missing)} {where}. Speakers {where}: {_listing(present)}."
            )

    def _in_pool(self, candidate: Candidate, pool: int) -> float:
        """``candidate``'s score had it been found among ``pool`` passages."""
        logit = math.log(candidate.score / max(1.0 - candidate.score, 1e-9))
        shift = self.model.pool_weight * (math.log(max(pool, 1)) - math.log(max(candidate.pool, 1)))
        return 1.0 / (1.0 + math.exp(-(logit + shift)))

    def _ranked(
        self,
        index: DerivedIndex,
        query: Query,
        sources: Iterable[str] | None,
        speakers: Iterable[str] | None,
        depth: int,
    ) -> list[Candidate]:
        """The candidates for ``query`` in ``sources`` (and ``speakers``, or those it names), fused
        on their cheap signals, the best re-scored on their sentences and word pieces, best first."""
        s = self.model
        speaker_list = speakers_named(index, speakers) if speakers else query.speakers
        scope = Scope.of(sources, speaker_list)
        allowed = scope.mask(index)
        pool = int(allowed.sum())
        # The best of many passages matches well by chance more often than the best of a few, so
        # the same signals say less in a larger pool: the score falls with the pool's size.
        bias = s.bias + s.pool_weight * math.log(max(pool, 1))
        unused = index.unused(set(query.tokens) | set(query.context_tokens), allowed)
        idf = partial(index.idf, unused=unused)
        rows, features = self._gathered(index, query, scope, allowed, unused)
        if not rows:
            return []
        first = fuse(features, s.weights, bias)
        order = np.argsort(-first, kind="stable")[: max(s.rerank_depth, depth)]
        best = [index.passages[rows[j]] for j in order]
        match = query.matcher(idf)
        candidates = []
        for j, passage, detail in zip(order, best, self._details(best), strict=True):
            sims = detail.vectors @ query.vector if len(detail.spans) else np.zeros(0, np.float32)
            signals = {name: float(values[j]) for name, values in features.items()}
            if len(sims):
                signals["sentence"] = max(float(sims.max()), signals["passage"])
            signals["match"] = match(detail.pieces)
            candidates.append(Candidate(passage, signals, 0.0, detail, sims, query, pool))
        final = fuse({n: np.array([c.signals[n] for c in candidates]) for n in FEATURES}, s.weights, bias)
        ranked = [replace(c, score=float(score)) for c, score in zip(candidates, final, strict=True)]
        return sorted(ranked, key=lambda c: -c.score)

    def _gathered(
        self,
        index: DerivedIndex,
        query: Query,
        scope: Scope,
        allowed: np.ndarray,
        unused: frozenset[str],
    ) -> tuple[list[int], dict[str, np.ndarray]]:
        """The index rows three retrievers propose (Chroma's nearest neighbours, BM25, the
        passages whose interviewer question resembles the question) and their cheap signals;
        ``sentence`` and ``match`` stand in until the best are re-scored."""
        k = self.model.candidates
        idf = partial(index.idf, unused=unused)
        bm25 = query.lexical(partial(index.lexical_scores, unused=unused))
        bm25[~allowed] = 0.0
        local = set(top_indices(bm25, k, allowed))
        local.update(top_indices(index.question_similarity(query.vector), k, allowed))
        # Their vectors are fetched while Chroma searches: on a server, two round trips at once.
        local_ids = [index.passages.id(i) for i in sorted(local)]
        fetching = self._vector_fetches.submit(self.store.vectors, local_ids)
        dense = self.store.nearest(query.vector, k, scope)
        similarity = dict(dense)
        for pid, vector in fetching.result().items():
            similarity.setdefault(pid, float(vector @ query.vector))
        # A passage written since this question's view was taken is left for the next question.
        picked = {i for i in (index.row(pid) for pid, _ in dense) if i is not None and allowed[i]}
        rows = sorted(picked | local)
        ids = [index.passages.id(i) for i in rows]
        passage_sim = np.array([similarity.get(pid, 0.0) for pid in ids], dtype=np.float32)
        features = {
            "passage": passage_sim,
            "sentence": passage_sim.copy(),
            "match": np.zeros(len(rows), np.float32),
            "lexical": bm25[rows],
            "coverage": np.array(
                [query.lexical(partial(coverage, doc_tokens=index.words_of(i), idf=idf)) for i in rows]
            ).astype(np.float32),
        }
        return rows, features

    def _query(
        self, index: DerivedIndex, question: str, history: Sequence[str], sources: Iterable[str] | None = None
    ) -> Query:
        """The question as retrieval sees it, borrowing from the previous one if it is a follow-up.
        Its ``speakers`` are those it names who speak in ``sources``: anyone else it names is
        what it asks about."""
        source_list = list(sources) if sources else None
        tokens = topic_tokens(index, question, source_list)
        named = named_speakers(index, question, source_list)
        previous = self._previous_question(index, history, source_list)
        weight = followup_weight(question, tokens, bool(previous), self.model.followup_weight)
        if weight <= 0.0 or previous is None:
            pieces = self._question_pieces(question)
            return Query(question, pieces.vector, tokens, speakers=named, pieces=pieces)
        logger.info("follow-up question: blending in %r with weight %.2f", previous, weight)
        pieces, before = self._question_pieces(question), self._question_pieces(previous)
        return Query(
            question,
            blend(pieces.vector, before.vector, weight),
            tokens,
            context=previous,
            context_tokens=topic_tokens(index, previous, source_list),
            context_weight=weight,
            speakers=named or named_speakers(index, previous, source_list),
            pieces=pieces,
            context_pieces=before,
        )

    def _embed_question(self, question: str) -> Pieces:
        (pieces,) = self.embedder.embed_pieces([question])
        return pieces

    def _previous_question(
        self, index: DerivedIndex, history: Sequence[str], sources: Sequence[str] | None = None
    ) -> str | None:
        """The last earlier question, itself joined to the one before when it was read as a
        follow-up (a short one that may stand alone was, if its blended reading won), as asked
        of ``sources``."""
        earlier = [h for h in map(plain, history) if h]
        if not earlier:
            return None
        last, before = earlier[-1], earlier[:-1]
        tokens = topic_tokens(index, last, sources)
        if not before or not followup_weight(last, tokens, True, self.model.followup_weight):
            return last
        if not points_back(last, tokens):
            # Read with the one question before it, as it was asked; going further back would
            # rank again for every short question of a long chat.
            ranked = self.rank(last, before[-1:], sources=sources, index=index)
            if not ranked or ranked[0].query.context is None:
                return last
        return f"{before[-1]} {last}"

    def _more_of(
        self, index: DerivedIndex, question: str, history: Sequence[str]
    ) -> tuple[str, list[str], int]:
        """For "Tell me more" and the like: the question it asks more of, that question's own
        history, and how many requests for more (this one included) follow it. Any other
        question is returned as it is, with 0 requests. ``history`` is made plain already."""
        earlier = [h for h in history if h]
        requests = 0
        while earlier and asks_for_more(question, topic_tokens(index, question)):
            requests += 1
            question = earlier.pop()
        return question, earlier, requests

    def _details(self, passages: Sequence[Passage]) -> list[PassageDetail]:
        """Each passage's detail: from the cache, from another question embedding it now, or
        embedded here in one batch (outside the cache's lock, so that other questions are not
        held up by this one's embedding)."""
        unique = list({p.id: p for p in passages}.values())
        with self._detail_lock:
            found = {p.id: self._detail_cache[p.id] for p in unique if p.id in self._detail_cache}
            waiting = {p.id: self._detail_pending[p.id] for p in unique if p.id in self._detail_pending}
            mine = [p for p in unique if p.id not in found and p.id not in waiting]
            for p in mine:
                self._detail_pending[p.id] = Future()
        try:
            made = self._embed_details(mine)
        except BaseException as exc:
            with self._detail_lock:
                for p in mine:
                    self._detail_pending.pop(p.id).set_exception(exc)
            raise
        with self._detail_lock:
            for p in mine:
                self._detail_pending.pop(p.id).set_result(made[p.id])
        found.update(made)
        found.update({pid: future.result() for pid, future in waiting.items()})
        with self._detail_lock:
            for p in unique:
                self._detail_cache[p.id] = found[p.id]
                self._detail_cache.move_to_end(p.id)
            while len(self._detail_cache) > _DETAIL_CACHE:
                self._detail_cache.popitem(last=False)
        return [found[p.id] for p in passages]

    def _embed_details(self, passages: Sequence[Passage]) -> dict[str, PassageDetail]:
        """The details of ``passages``, embedded in one batch."""
        spans = [sentence_spans(p.text) for p in passages]
        texts = [p.text[a:b] for p, sentences in zip(passages, spans, strict=True) for a, b in sentences]
        # One pass reads every sentence alone and every passage whole.
        read = self.embedder.embed_pieces(texts + [p.text for p in passages], approximate=True)
        vectors = np.array([r.vector for r in read[: len(texts)]], dtype=np.float32).reshape(
            -1, self.embedder.dimension
        )
        pieces = read[len(texts) :]
        made, start = {}, 0
        for p, sentences, passage_pieces in zip(passages, spans, pieces, strict=True):
            end = start + len(sentences)
            tokens = tuple(frozenset(tokenize(t)) for t in texts[start:end])
            # Half precision halves the cache: a passage has up to 254 word pieces.
            piece_vectors = passage_pieces.vectors.astype(np.float16)
            made[p.id] = PassageDetail(tuple(sentences), vectors[start:end], tokens, piece_vectors)
            start = end
        return made

    def _quotes(
        self, index: DerivedIndex, ranked: Sequence[Candidate], skip: int, k: int
    ) -> tuple[Quote, ...]:
        """The ``k`` quotes after the first ``skip`` of ``ranked``, each saying something the better
        ones do not: a page that repeats a block of its own text has two passages of the same
        words, and a quote of the same words again only crowds out the next candidate. Two
        quotes are the same when their passages' texts are, or their verbatim pieces are, with
        whitespace collapsed."""
        seen: set[str | tuple[str, ...]] = set()
        quotes: list[Quote] = []
        for candidate in ranked:
            if len(quotes) == skip + k:
                break
            passage = " ".join(candidate.passage.text.split())
            if passage in seen:
                continue
            quote = self._quote(index, candidate)
            words = tuple(" ".join(piece.split()) for piece in verbatim_segments(quote.text))
            if words in seen:
                continue
            seen.update((passage, words))
            quotes.append(quote)
        return tuple(quotes[skip:])

    def _quote(self, index: DerivedIndex, candidate: Candidate) -> Quote:
        """The candidate as a quote: its best sentence(s) highlighted, long passages windowed."""
        s = self.model
        passage, detail = candidate.passage, candidate.detail
        text = passage.text
        goes_on = index.paragraph_goes_on(passage)
        if not detail.spans:
            return Quote(passage, candidate.score, (text.strip(),), window_text(text, (), (), *goes_on))
        asked = index.asked_vectors(passage.id)
        restatement = (detail.vectors @ asked.T).max(axis=1) if len(asked) else None
        scores = sentence_scores(
            candidate.sentence_similarities, detail.tokens, candidate.query.tokens, index.idf,
            s.highlight_lexical, frozenset(tokenize(passage.question or "")), s.highlight_asked_weight,
            restatement, s.highlight_restatement,
        )  # fmt: skip
        chosen = highlight_indices(scores, s.highlight_margin, s.highlight_sentences)
        words = [len(text[a:b].split()) for a, b in detail.spans]
        windows = quote_window(words, chosen, scores, s.quote_words, s.whole_words)
        spans = detail.spans
        highlight = tuple(text[spans[a][0] : spans[b][1]] for a, b in runs(chosen))
        return Quote(passage, candidate.score, highlight, window_text(text, spans, windows, *goes_on))

    def warm_up(self) -> None:
        """Load the model and open the store now rather than on the first question.

        What they load lives as long as the process, and the collector is told to pass it over:
        the model's libraries alone make 400,000 objects, and every full collection, one in about
        forty questions, scanned them all and held that question up by 220 ms. A frozen object is
        never collected, so each warm-up (the chat's come after each change it makes to the
        store) first collects everything, what an earlier one froze included."""
        self.embedder.embed(["warm up"])
        index = self.store.derived()
        if self.settings.spelling:
            index.speller.correct("warm up")
        gc.unfreeze()
        gc.collect()
        gc.freeze()

    def context(self, passage_id: str) -> Context | None:
        """The passage ``passage_id`` with the answer paragraphs around it, or None if it is not stored."""
        passage = self.store.passage(passage_id)
        if passage is None:
            return None
        answer = self.store.passages_of(passage.source, passage.turn)
        return context_of(passage, answer)

    def ingest(self, paths: Iterable[Path], progress: bool = False, media: bool = True) -> IngestReport:
        """Ingest ``paths`` (see :meth:`Store.ingest`); ``media=False`` for files staged elsewhere."""
        return self.store.ingest(paths, progress=progress, media=media)

    def sources(self) -> list[SourceInfo]:
        return self.store.sources()

    def remove(self, source: str) -> int:
        return self.store.remove(source)


def _names(names: Sequence[str]) -> str:
    return " or ".join(repr(n) for n in names)


def _listing(names: Sequence[str], limit: int = 20) -> str:
    """``names`` joined, at most ``limit`` of them; a store can hold hundreds of transcripts."""
    shown = ", ".join(names[:limit]) or "none"
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")
