"""The Chroma collection of passages: the source of truth for everything quotebot knows."""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools
import gc
import hashlib
import json
import logging
import os
import shutil
import statistics
import threading
import time
import uuid
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar
from urllib.parse import urlparse

import chromadb
import httpx
import numpy as np
from chromadb.config import Settings as ChromaSettings
from filelock import FileLock, Timeout
from tqdm import tqdm

from ingest import DEFAULT_MAX_TOKENS, Parsed, Passage
from ingest.chunk import ENCODING
from ingest.errors import (
    InputFileError,
    QuotebotError,
    SourceNotFoundError,
    StoreModelMismatchError,
    StoreUnavailableError,
)
from ingest.pipeline import IngestReport, files_to_ingest, read_files
from vectorstore.embedder import Embedder
from vectorstore.index import DerivedIndex
from vectorstore.scope import Scope

logger = logging.getLogger(__name__)
T = TypeVar("T")
P = ParamSpec("P")

COLLECTION = "passages"
_GENERATION = "quotebot_generation"  # in the collection's metadata: a new value with every write
# Also there: the recent writes, each as (generation before, generation after, the sources it
# changed, or None when it changed too many to list), so that an index of an earlier generation
# can be brought up to date by re-reading only those sources.
_CHANGES = "quotebot_changes"
_CHANGES_KEPT = 32  # writes
_CHANGES_SOURCES = 200  # sources listed in all of them together
# Bump when parsing or chunking changes, so that re-ingesting an unchanged file re-cuts it.
PIPELINE_VERSION = "11"  # 11: a passage records its recording (media)
_SERVING_LOCK = "quotebot-serving.lock"
_SERVING = "quotebot-serving.json"  # where the chat that holds the store listens
_BATCH = 256
_RECOUNT_SECONDS = 5.0
_PAGE = 5000
_PAGE_SOURCES = 500  # sources named in one `$in` filter
# A chat's own write embeds in small batches, giving way to questions before each (up to
# _MOST_WAIT seconds): a question then waits for at most one small batch, and a smaller one while
# questions are being answered (20 clients asking back to back during an ingest: p95 2.3 s with
# batches of 16, 1.5 s with 8, 0.9 s with 4, the ingest taking 38, 53 and 81 s).
_SHARED_BATCH = 16
_BUSY_BATCH = 4
_MOST_WAIT = 0.5


@dataclass(frozen=True)
class SourceInfo:
    """One ingested transcript as the store knows it."""

    source: str
    title: str
    date: str | None
    url: str | None
    speakers: list[str]
    passages: int
    media: str | None = None  # the absolute path of its recording, when one was found beside it


_LIBC = ctypes.CDLL(ctypes.util.find_library("c") or None)


def _return_freed_memory(collect: bool) -> None:
    """Give the memory a page of rows read from Chroma held back to the system.

    ``collect``, for a server: each page's HTTP response stays in reference cycles until the
    collector next looks at the oldest objects, which it seldom does in a large process. Reading
    rows grew the process by 0.26 GB every 100,000 of them without collecting. The cycles are
    young when the page has just been dropped, so collecting the young generations is enough
    (0.06 GB in all over 100,000 rows), where a full collection took 100 ms a page in a process
    of 600,000 objects, holding up every other thread. Embedded, the pages leave no such cycles.
    glibc then keeps what a page held, in pieces it cannot reuse for the next: embedded, a
    million rows read into the derived index's table grew the process by 1.13 GB without
    ``malloc_trim``, 0.78 GB with it (a C library without it keeps them)."""
    if collect:
        gc.collect(1)
    trim = getattr(_LIBC, "malloc_trim", None)
    if trim is not None:
        trim(0)


def _reaching(method: Callable[Concatenate[Store, P], T]) -> Callable[Concatenate[Store, P], T]:
    """``method`` of a :class:`Store`, with a server that cannot be reached (stopped, or gone
    mid-session) reported as at opening rather than as an HTTP client's exception."""

    @functools.wraps(method)
    def reaching(self: Store, /, *args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return method(self, *args, **kwargs)
        except httpx.TransportError as exc:
            raise self._unavailable("reach", exc) from exc

    return reaching


class Store:
    """Passages in a Chroma collection, embedded with the bundled model.

    Embedded (``PersistentClient`` at ``path``) by default, or a Chroma server at ``url``.
    The collection records the embedding model; a store built with another one is refused.
    """

    def __init__(
        self,
        path: Path | None = None,
        url: str | None = None,
        embedder: Embedder | None = None,
        max_tokens: int = DEFAULT_MAX_TOKENS,
    ) -> None:
        if (path is None) == (url is None):
            raise ValueError("give exactly one of path or url")
        self.path = Path(path) if path is not None else None
        self.url = url
        self.embedder = embedder or Embedder()
        self.max_tokens = max_tokens
        self._client: Any = None
        self._collection: Any = None
        self._derived: DerivedIndex | None = None
        self._deriving = threading.Lock()
        self._recount = 0.0  # when derived() reads the passage count again
        self._readers = 0  # questions being answered now, which a chat's write gives way to
        self._readers_changed = threading.Condition()
        self._held: FileLock | None = None
        self._background_embedder: Embedder | None = None

    @property
    def _background(self) -> Embedder:
        """The model that writes and rebuilds, once the store is held by a chat: a second copy of
        the same model (the same vectors), so that a question never waits for an ingest's or a
        rebuild's embedding, which takes seconds a batch. Elsewhere, the one model."""
        if self._held is None:
            return self.embedder
        if self._background_embedder is None:
            self._background_embedder = Embedder()
        return self._background_embedder

    @property
    def location(self) -> str:
        return self.url or str(self.path)

    # -- opening -------------------------------------------------------------------------

    @property
    def collection(self) -> Any:
        if self._collection is None:
            self._collection = self._open()
        return self._collection

    def _open(self) -> Any:
        settings = ChromaSettings(anonymized_telemetry=False)
        try:
            if self.url:
                parsed = urlparse(self.url)
                if parsed.scheme not in ("http", "https") or not parsed.hostname:
                    raise StoreUnavailableError(
                        f"{self.url!r} is not a Chroma server URL; give one like http://127.0.0.1:8000."
                    )
                client = chromadb.HttpClient(
                    host=parsed.hostname,
                    port=parsed.port or (443 if parsed.scheme == "https" else 8000),
                    ssl=parsed.scheme == "https",
                    settings=settings,
                )
            else:
                assert self.path is not None
                self.path.mkdir(parents=True, exist_ok=True)
                client = chromadb.PersistentClient(path=str(self.path), settings=settings)
            collection = client.get_or_create_collection(
                COLLECTION,
                embedding_function=None,  # Chroma's default would download a model
                configuration={"hnsw": {"space": "cosine"}},
                metadata={
                    "embedding_model": self.embedder.name,
                    "embedding_dim": self.embedder.dimension,
                    "tokenizer": ENCODING,
                },
            )
        except QuotebotError:
            raise
        except Exception as exc:
            raise self._unavailable("open", exc) from exc
        self._client = client
        meta = collection.metadata or {}
        if _GENERATION not in meta:  # a store written before generations were recorded
            _new_generation(collection)
        if (
            meta.get("embedding_model") != self.embedder.name
            or meta.get("embedding_dim") != self.embedder.dimension
        ):
            raise StoreModelMismatchError(
                f"The store at {self.location} was built with the embedding model "
                f"{meta.get('embedding_model')!r} ({meta.get('embedding_dim')} dimensions); quotebot uses "
                f"{self.embedder.name!r} ({self.embedder.dimension}). Rebuild it: point --store at a new "
                "folder (or delete this one) and run `quotebot ingest` again."
            )
        return collection

    def _unavailable(self, doing: str, exc: Exception) -> StoreUnavailableError:
        # Chroma's own message may end in a full stop or a question of its own.
        why = str(exc).strip() or type(exc).__name__
        why += "" if why.endswith((".", "?", "!")) else "."
        advice = (
            "Start the server (`chroma run --path DIR --port 8000`) or point --chroma-url at a running one."
            if self.url
            else "Check the folder and its permissions."
        )
        return StoreUnavailableError(f"Cannot {doing} the passage store at {self.location}: {why} {advice}")

    # -- reading -------------------------------------------------------------------------

    @_reaching
    def count(self) -> int:
        return int(self.collection.count())

    @_reaching
    def nearest(self, embedding: np.ndarray, k: int, scope: Scope | None = None) -> list[tuple[str, float]]:
        """The ids of the ``k`` passages in ``scope`` nearest to ``embedding``, each with its cosine
        similarity. Ids only: the caller's derived index holds the passages, and reading their
        text and metadata from Chroma too took as long as the search."""
        if k <= 0:
            return []
        result = self.collection.query(
            query_embeddings=[embedding.tolist()],
            n_results=k,
            where=scope.where() if scope else None,
            include=["distances"],
        )
        return [(i, 1.0 - float(d)) for i, d in zip(result["ids"][0], result["distances"][0], strict=True)]

    @_reaching
    def passages(self, scope: Scope | None = None) -> list[Passage]:
        """Every passage in ``scope`` (all of them by default), in source order."""
        return self._passages_where(scope.where() if scope else None)

    @_reaching
    def passages_of(self, source: str, turn: int) -> list[Passage]:
        """The passages of one answer (``turn``) of ``source``, in order."""
        return self._passages_where({"$and": [{"source": source}, {"turn": turn}]})

    def _passages_where(self, where: dict[str, Any] | None) -> list[Passage]:
        """The passages ``where`` allows, in source order."""
        return sorted(self._each_passage(where), key=lambda p: (p.source, p.char_start))

    def _each_passage(self, where: dict[str, Any] | None = None) -> Iterator[Passage]:
        """The passages ``where`` allows, in no particular order. Each page of rows becomes
        passages before the next is read: a million rows held beside their passages took gigabytes."""
        for page in self._get_pages(["documents", "metadatas"], where):
            for i, text, meta in zip(page["ids"], page["documents"], page["metadatas"], strict=True):
                yield to_passage(i, text, meta)

    @_reaching
    def passage(self, passage_id: str) -> Passage | None:
        """The passage with id ``passage_id``, or None when the store has none."""
        result = self.collection.get(ids=[passage_id], include=["documents", "metadatas"])
        if not result["ids"]:
            return None
        return to_passage(result["ids"][0], result["documents"][0], result["metadatas"][0])

    def _get_all(self, include: list[str], where: dict[str, Any] | None = None) -> dict[str, list[Any]]:
        out: dict[str, list[Any]] = {"ids": [], **{key: [] for key in include}}
        for page in self._get_pages(include, where):
            for key in out:
                out[key].extend(page[key])
        return out

    def _get_pages(self, include: list[str], where: dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """``collection.get`` page by page: one call over tens of thousands of rows fails in
        Chroma's SQLite layer ("too many SQL variables")."""
        offset = 0
        while True:
            page = self.collection.get(where=where or None, include=include, limit=_PAGE, offset=offset)
            yield page
            if len(page["ids"]) < _PAGE:
                return
            offset += _PAGE
            del page
            _return_freed_memory(collect=self.url is not None)

    @_reaching
    def vectors(self, ids: list[str]) -> dict[str, np.ndarray]:
        """The stored embedding of each passage id (ids not in the store are left out)."""
        found: dict[str, np.ndarray] = {}
        for start in range(0, len(ids), _PAGE):  # as in _get_all: a long list of ids fails in one call
            page = self.collection.get(ids=list(ids[start : start + _PAGE]), include=["embeddings"])
            found.update(zip(page["ids"], np.asarray(page["embeddings"], dtype=np.float32), strict=True))
        return found

    @_reaching
    def derived(self) -> DerivedIndex:
        """The lexical and question indexes for the collection as it is now.

        Every write records a new generation in the collection's metadata, so a change by any
        process (or any instance on a Chroma server) is seen by the next question, for the price
        of one small read. The passage count, which also keys the index, is read with a new
        generation and otherwise every few seconds: it catches what no generation records (a
        write that crashed after a reader built its index), and took 6 ms a question on a server
        at 100,000 passages. An index is saved beside the store (:meth:`cache_folder`) and loaded
        by the next process rather than rebuilt. Safe from several threads: one rebuilds while
        the others go on with the index as it was (they wait only for the first one).
        """
        if not self._deriving.acquire(blocking=self._derived is None):
            return self._derived  # type: ignore[return-value]  # another thread is rebuilding it
        try:
            meta = self._metadata()
            generation = str(meta.get(_GENERATION, ""))
            now = time.monotonic()
            if (
                self._derived is not None
                and _generation_of(self._derived.key) == generation
                and now < self._recount
            ):
                return self._derived
            key = f"{generation}:{self.count()}"
            self._recount = now + _RECOUNT_SECONDS
            if self._derived is None or self._derived.key != key:
                self._derived = self._load_or_build(key, meta)
            return self._derived
        finally:
            self._deriving.release()

    def _metadata(self) -> dict[str, Any]:
        """The collection's metadata, read afresh: another process may have written since."""
        fresh = self._client.get_collection(COLLECTION, embedding_function=None) if self._client else None
        return dict((fresh.metadata if fresh is not None else self.collection.metadata) or {})

    def _changed(self, sources: Collection[str]) -> None:
        """Record that the passages of ``sources`` changed: a new generation, which every reader
        notices."""
        _new_generation(self.collection, sources)

    @property
    def cache_folder(self) -> Path:
        """Where this store's derived indexes are kept: beside an embedded store; for a Chroma
        server, in this machine's cache folder (each instance keeps its own)."""
        if self.path is not None:
            return self.path / "derived"
        cache_home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
        return cache_home / "quotebot" / hashlib.sha256(str(self.url).encode()).hexdigest()[:16]

    def _load_or_build(self, key: str, meta: dict[str, Any]) -> DerivedIndex:
        started = time.perf_counter()
        cache = self.cache_folder
        folder = cache / f"index-{hashlib.sha256(key.encode()).hexdigest()[:16]}"
        index = DerivedIndex.load(folder, key, self._background, cache)
        if index is not None:
            how = "loaded the saved"
        else:
            index = self._updated(key, meta)
            how = "updated the"
            if index is None:
                index = DerivedIndex.build(key, self._each_passage(), self._background, cache)
                how = "built the"
            _save_index(index, folder)
        logger.info("%s indexes over %d passages in %.1f s", how, len(index), time.perf_counter() - started)
        return index

    def _updated(self, key: str, meta: dict[str, Any]) -> DerivedIndex | None:
        """The index for ``key`` made from an earlier one (this process's, or the one saved) by
        re-reading only the sources written since; None when that cannot be known. On a Chroma
        server, writers are not serialised, so their log could lose an entry: never there."""
        if self.path is None:
            return None
        base = self._derived if self._derived is not None else self._saved_index()
        if base is None:
            return None
        changed = changed_since(meta, _generation_of(base.key))
        if changed is None:
            return None
        passages = [p for page in _pages(changed) for p in self.passages(Scope.of(page, None))]
        index = DerivedIndex.updated(base, key, changed, passages, self._background, self.cache_folder)
        # A write between reading the key and the passages: the next question brings it up to date.
        return index if key.rsplit(":", 1)[1] == str(len(index)) else None

    def _saved_index(self) -> DerivedIndex | None:
        """The index an earlier process saved, whatever state of the store it was saved for."""
        for folder in sorted(self.cache_folder.glob("index-*")):
            if folder.name.endswith(".partial"):  # another process is saving it
                continue
            if (saved := DerivedIndex.saved_key(folder)) is not None:
                return DerivedIndex.load(folder, saved, self._background, self.cache_folder)
        return None

    @_reaching
    def sources(self) -> list[SourceInfo]:
        """The ingested transcripts, with their speakers and passage counts."""
        result = self._get_all(include=["metadatas"])
        by_source: dict[str, list[dict[str, Any]]] = {}
        for meta in result["metadatas"]:
            by_source.setdefault(meta["source"], []).append(meta)
        infos = []
        for source, metas in sorted(by_source.items()):
            speakers = sorted({m["speaker"] for m in metas if m.get("speaker")})
            first = metas[0]
            infos.append(
                SourceInfo(
                    source,
                    first["title"],
                    first.get("date"),
                    first.get("url"),
                    speakers,
                    len(metas),
                    first.get("media"),
                )
            )
        return infos

    # -- writing -------------------------------------------------------------------------

    def ingest(self, paths: Iterable[Path], progress: bool = False, media: bool = True) -> IngestReport:
        """Add, replace or skip each transcript under ``paths`` (files or folders).

        Idempotent: a file whose content is already stored is left alone; an edited file
        replaces its passages. New passages are written before stale ones are deleted, and
        the store records each source's content hash on every passage, so a crash leaves a
        consistent store that a re-run completes. ``media``: record each one's recording beside
        it (not for a file staged in a temp folder, which has none); a recording found, moved or
        gone changes the version as an edit does.
        """
        report = IngestReport()
        return self.ingest_files(files_to_ingest(paths, report), report, progress, media)

    @_reaching
    def ingest_files(
        self,
        files: dict[Path, bool],
        report: IngestReport | None = None,
        progress: bool = False,
        media: bool = True,
    ) -> IngestReport:
        """Ingest ``files`` as :meth:`ingest` does, each with whether a folder walk found it (see
        :func:`files_to_ingest`), adding to ``report``."""
        report = report or IngestReport()
        with self._writing():
            self._ingest(files, report, progress, media)
        return report

    # -- the chat holds an embedded store ------------------------------------------------------

    def hold(self, url: str | None = None) -> None:
        """Hold this embedded store for the chat serving it, for as long as this process lives.

        Chroma's embedded store is read and written by one process at a time: another process
        writing to it under a serving chat makes the chat's questions fail. So the chat holds the
        store, says where it listens (``url``, given again once it is known), and ``quotebot
        ingest``/``remove`` send their work to it (:meth:`held_by`) rather than write themselves.
        The lock goes with the process, also when it is killed. A server store needs none of this:
        the server serves every client."""
        if self.path is None:
            return
        if self._held is None:
            self.path.mkdir(parents=True, exist_ok=True)
            lock = FileLock(self.path / _SERVING_LOCK)
            try:
                lock.acquire(timeout=0)
            except Timeout:
                logger.warning("The store at %s is in use; waiting for it …", self.path)
                lock.acquire()
            self._held = lock
            with self._writing():  # an ingest already under way finishes first
                pass
        (self.path / _SERVING).write_text(json.dumps({"url": url, "pid": os.getpid()}), encoding="utf-8")

    def release(self) -> None:
        """Let go of a store :meth:`hold` held: the chat has stopped."""
        if self._held is not None and self.path is not None:
            (self.path / _SERVING).unlink(missing_ok=True)
            self._held.release()
            self._held = None

    def held_by(self, wait: float = 30.0) -> str | None:
        """The address of the chat that holds this embedded store, or None if none does. A chat
        that is still starting is waited for, up to ``wait`` seconds."""
        if self.path is None or self._held is not None or not (self.path / _SERVING_LOCK).exists():
            return None
        deadline = time.monotonic() + wait
        while True:
            lock = FileLock(self.path / _SERVING_LOCK)
            try:
                lock.acquire(timeout=0)
            except Timeout:
                pass
            else:
                lock.release()
                return None
            try:
                url = json.loads((self.path / _SERVING).read_text(encoding="utf-8")).get("url")
            except (OSError, ValueError):
                url = None
            if url:
                return str(url)
            if time.monotonic() > deadline:
                raise StoreUnavailableError(
                    f"The store at {self.path} is held by a quotebot chat that has not said where it "
                    "listens. Add files through its upload button, or stop it and try again."
                )
            time.sleep(0.2)

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        """One writer at a time on an embedded store (a server serialises writes itself)."""
        if self.path is None:
            yield
            return
        self.path.mkdir(parents=True, exist_ok=True)
        lock = FileLock(self.path / "quotebot-write.lock")
        try:
            lock.acquire(timeout=0)
        except Timeout:
            # An ingest of hundreds of files can hold the lock for minutes: say why nothing happens.
            logger.warning(
                "Another process is writing to the store at %s; waiting for it to finish …", self.path
            )
            lock.acquire()
        try:
            yield
        finally:
            lock.release()

    def _ingest(self, files: dict[Path, bool], report: IngestReport, progress: bool, media: bool) -> None:
        found = read_files(files, report, media)
        stored = self._stored_versions([f.document.source for f in found])
        todo = []
        for read in found:
            source = read.document.source
            digest = _content_hash(read.data, self.max_tokens, read.document.media)
            versions = stored.get(source, [])
            # Stored whole at this version: every passage records it and how many there are.
            if versions and versions == [(digest, len(versions))] * len(versions):
                report.unchanged.append(source)
                continue
            try:
                parsed = read.cut(self._background.fits, self.max_tokens)
            except InputFileError as exc:
                report.failed.append((source, str(exc)))
                continue
            report.warnings.extend(parsed.transcript.warnings)
            todo.append((parsed, digest, bool(versions)))
        changed = {parsed.document.source for parsed, _, _ in todo}
        if todo:
            # Before as well as after: a reader that builds its index mid-write, or after a
            # crash here, keys it to a state that the finished write does not share.
            self._changed(changed)
        total = sum(len(p.passages) for p, _, _ in todo)
        # Files of like length are written together: a model batch is padded to its longest text,
        # and short files in folder order made batches of one long text and many short ones.
        by_length = sorted(todo, key=lambda item: _median_length(item[0]))
        with tqdm(total=total, unit="passage", desc="Embedding", disable=not progress or not total) as bar:
            for group in _groups(by_length):
                self._write([(parsed, digest) for parsed, digest, _ in group], bar)
        for parsed, _, existed in todo:
            (report.replaced if existed else report.added).append(parsed.document.source)
            report.passages += len(parsed.passages)
        if todo:
            self._changed(changed)

    @contextlib.contextmanager
    def reading(self) -> Iterator[None]:
        """Mark a question being answered: a write by the chat that holds the store gives way."""
        with self._readers_changed:
            self._readers += 1
        try:
            yield
        finally:
            with self._readers_changed:
                self._readers -= 1
                self._readers_changed.notify_all()

    def _give_way(self) -> None:
        """In the chat that holds the store, wait while questions are answered (for a while at
        most, so that the write still moves on under constant load): on two cores, an embedding
        beside a question doubles its time."""
        if self._held is None:
            return
        deadline = time.monotonic() + _MOST_WAIT
        with self._readers_changed:
            while self._readers and (left := deadline - time.monotonic()) > 0:
                self._readers_changed.wait(left)

    def _batch(self) -> int:
        """How many passages to embed at once: all of a write's batch, unless a chat holds the
        store; there a few, and fewer while questions are being answered."""
        if self._held is None:
            return _BATCH
        with self._readers_changed:
            return _BUSY_BATCH if self._readers else _SHARED_BATCH

    def _stored_versions(self, sources: list[str]) -> dict[str, list[tuple[str, int]]]:
        """(content hash, passage count) as recorded on each stored passage of each of ``sources``."""
        found: dict[str, list[tuple[str, int]]] = {}
        for page in _pages(sources):
            for meta in self._get_all(include=["metadatas"], where={"source": {"$in": page}})["metadatas"]:
                found.setdefault(meta["source"], []).append((meta["source_hash"], meta["source_passages"]))
        return found

    def _write(self, files: list[tuple[Parsed, str]], bar: tqdm) -> None:
        """Store the passages of ``files`` (each with its content hash), replacing what their
        sources held: new passages are written before stale ones are deleted. Short files are
        written together, so that the model embeds a full batch rather than a file's few passages."""
        sources = [parsed.document.source for parsed, _ in files]
        old = self._get_all(include=["documents", "embeddings"], where={"source": {"$in": sources}})
        # A vector depends on the text alone: passages that an edit or a new parser left as they
        # were keep theirs, so re-ingesting embeds only what changed.
        vectors = dict(zip(old["documents"], old["embeddings"], strict=True))
        rows = [(p, digest, len(parsed.passages)) for parsed, digest in files for p in parsed.passages]
        for i in range(0, len(rows), _BATCH):
            batch = rows[i : i + _BATCH]
            new = list(dict.fromkeys(p.text for p, _, _ in batch if p.text not in vectors))
            start = 0
            while start < len(new):
                self._give_way()
                chunk = new[start : start + self._batch()]
                vectors.update(zip(chunk, self._background.embed(chunk), strict=True))
                start += len(chunk)
            self.collection.upsert(
                ids=[p.id for p, _, _ in batch],
                embeddings=np.asarray([vectors[p.text] for p, _, _ in batch], dtype=np.float32),
                documents=[p.text for p, _, _ in batch],
                metadatas=[to_metadata(p, digest, count) for p, digest, count in batch],
            )
            bar.update(len(batch))
        keep = {p.id for p, _, _ in rows}
        stale = [i for i in old["ids"] if i not in keep]
        if stale:
            self.collection.delete(ids=stale)
        logger.info("%s: %d passages stored, %d stale removed", ", ".join(sources), len(rows), len(stale))

    @_reaching
    def remove(self, source: str) -> int:
        """Delete every passage of ``source``; returns how many were deleted."""
        with self._writing():
            ids = self.collection.get(where={"source": source}, include=[])["ids"]
            if not ids:
                known = ", ".join(s.source for s in self.sources()) or "none"
                raise SourceNotFoundError(
                    f"No source named {source!r} in the store. Ingested sources: {known}."
                )
            self._changed({source})
            self.collection.delete(ids=ids)
            self._changed({source})
        return len(ids)


def to_metadata(passage: Passage, source_hash: str, source_passages: int) -> dict[str, Any]:
    """The one place a Passage becomes Chroma's flat metadata (None values are left out)."""
    meta = {
        "source": passage.source,
        "title": passage.title,
        "date": passage.date,
        "url": passage.url,
        "speaker": passage.speaker,
        "question": passage.question,
        "turn": passage.turn,
        "paragraph": passage.paragraph,
        "last_paragraph": passage.last_paragraph,
        "char_start": passage.char_start,
        "char_end": passage.char_end,
        "time": passage.time,
        "media": passage.media,
        "source_hash": source_hash,
        "source_passages": source_passages,
    }
    return {k: v for k, v in meta.items() if v is not None}


def to_passage(passage_id: str, text: str, meta: dict[str, Any]) -> Passage:
    """The one place Chroma's row becomes a Passage again."""
    return Passage(
        id=passage_id,
        text=text,
        source=meta["source"],
        title=meta["title"],
        date=meta.get("date"),
        url=meta.get("url"),
        speaker=meta.get("speaker"),
        question=meta.get("question"),
        turn=int(meta["turn"]),
        paragraph=int(meta["paragraph"]),
        char_start=int(meta["char_start"]),
        char_end=int(meta["char_end"]),
        time=meta.get("time"),
        last_paragraph=int(meta["last_paragraph"]) if "last_paragraph" in meta else None,
        media=meta.get("media"),
    )


def _new_generation(collection: Any, sources: Collection[str] | None = None) -> None:
    """Give ``collection`` a new generation in its metadata, keeping the rest of it, and log
    that ``sources`` changed with it (None: unknown, or too many to list)."""
    meta = dict(collection.metadata or {})
    generation = uuid.uuid4().hex
    listed = sorted(sources) if sources is not None and len(sources) <= _CHANGES_SOURCES else None
    log = [*_changes(meta), [meta.get(_GENERATION), generation, listed]][-_CHANGES_KEPT:]
    while sum(len(entry[2] or ()) for entry in log) > _CHANGES_SOURCES:
        log.pop(0)
    meta.update({_GENERATION: generation, _CHANGES: json.dumps(log)})
    collection.modify(metadata=meta)


def _changes(meta: dict[str, Any]) -> list[list[Any]]:
    try:
        log = json.loads(meta.get(_CHANGES) or "[]")
    except ValueError:
        return []
    return log if isinstance(log, list) else []


def _generation_of(key: str) -> str:
    """The generation of a derived index's key ("generation:count", see :meth:`Store.derived`)."""
    return key.split(":")[0]


def changed_since(meta: dict[str, Any], generation: str) -> set[str] | None:
    """The sources written since ``generation``, by the log in the collection's metadata ``meta``;
    None when the log does not reach back to it or a write in between did not list them."""
    current = meta.get(_GENERATION)
    changed: set[str] = set()
    at = generation
    for before, after, sources in _changes(meta):
        if before != at:
            continue
        if sources is None:
            return None
        changed.update(sources)
        at = after
    return changed if at == current else None


def _pages(sources: Collection[str]) -> Iterator[list[str]]:
    """``sources`` in lists short enough for one ``$in`` filter."""
    ordered = sorted(sources)
    for start in range(0, len(ordered), _PAGE_SOURCES):
        yield ordered[start : start + _PAGE_SOURCES]


def _groups(todo: list[tuple[Parsed, str, bool]]) -> Iterator[list[tuple[Parsed, str, bool]]]:
    """``todo``'s files in runs of consecutive ones of about one embedding batch of passages (a
    file larger than a batch alone)."""
    group: list[tuple[Parsed, str, bool]] = []
    size = 0
    for item in todo:
        passages = len(item[0].passages)
        if group and size + passages > _BATCH:
            yield group
            group, size = [], 0
        group.append(item)
        size += passages
    if group:
        yield group


def _median_length(parsed: Parsed) -> float:
    return statistics.median(len(p.text) for p in parsed.passages) if parsed.passages else 0.0


def _save_index(index: DerivedIndex, folder: Path) -> None:
    """Save ``index`` into ``folder`` whole or not at all (replacing one that could not be read),
    and drop the ones saved before it."""
    shutil.rmtree(folder, ignore_errors=True)
    partial = folder.with_name(f"{folder.name}.{os.getpid()}.partial")
    try:
        shutil.rmtree(partial, ignore_errors=True)
        index.save(partial)
        partial.rename(folder)
    except OSError as exc:  # another process saved it first, or the disk is full: it only costs time
        logger.info("the indexes were not saved in %s: %s", folder, exc)
        shutil.rmtree(partial, ignore_errors=True)
        return
    for old in folder.parent.glob("index-*"):
        if old != folder:
            shutil.rmtree(old, ignore_errors=True)


def _content_hash(data: bytes, max_tokens: int, media: str | None = None) -> str:
    """The version of a source: its bytes, how they are read, and where its recording is."""
    version = f"\x00{PIPELINE_VERSION}:{max_tokens}" + (f"\x00{media}" if media else "")
    return hashlib.sha256(data + version.encode()).hexdigest()[:16]
