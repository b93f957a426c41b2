"""Load on the chat: how fast and how reliably the served app answers many browsers at once,
alone and while a writer adds transcripts to the same store.

N clients (each a session, like a browser tab; all on one asyncio loop, so that the measuring
takes little of the CPU it measures: 20 ``gradio_client.Client`` threads took more than the
server did) ask questions drawn from the bundled transcript's dev, tuning, paraphrase and
holdout sets (150 questions; never the blind ones) through the chat endpoint (``/chat``) in a
loop, for ``--seconds`` or ``--max-requests`` in all, whichever comes first. Each call's latency
(from joining the queue to the answer) and outcome are recorded: quoted, nothing matches, an
*error answer* (the app's ``<p class="qb-error">`` message, bot/ui_html.py ``error_html``) or an
*exception* (the call failed or passed ``--timeout``). A client asks up to
``--turns`` questions in one conversation, then starts a new one. Clients ask back to back
unless ``--think`` gives them a pause after each answer, as a person reading it takes.

Optional writers, started ``--warmup`` seconds after the clients:

- ``--ingest PATH...``: ``quotebot --store STORE ingest PATH...`` as a separate process on the
  served store (the command line's own writer);
- ``--upload FILE``: the file uploaded through the app as the browser does: to ``/upload``, then
  the upload button's event. That event is private (not in ``view_api()``), which gradio_client
  refuses; the script then speaks the browser's queue protocol itself (``queue/join`` with the
  event's ``fn_index``), and says so. ``--upload-via client`` skips it instead.

The clients stop at ``--seconds`` even if a writer goes on (its duration is still waited for and
reported); ``--until-writers`` keeps them asking until the writers are done, and ``--warmup``
seconds more, so that the whole write is under load.

Printed: requests, requests/s, p50/p95/p99/max latency, errors (exceptions / error answers), for
the whole run and by when the request was sent: before, during each writer and after (with no
writer: the first ``--warmup`` seconds, when a fresh server answers slowest, and the rest); each
writer's duration and outcome; a few error examples. ``--json FILE`` also writes every request
and the writers' output.

Usage (from the repository root, with the virtual environment):

    python benchmarks/load.py --serve /tmp/store --clients 20 --seconds 30
    python benchmarks/load.py --serve /tmp/store --clients 20 --seconds 60 --ingest /tmp/briefings
    python benchmarks/load.py --serve /tmp/store --seconds 60 --ingest /tmp/briefings --until-writers
    python benchmarks/load.py --serve /tmp/store --clients 20 --seconds 60 --upload briefing.md
    python benchmarks/load.py --url http://127.0.0.1:7860 --store ~/.local/share/quotebot/store \\
        --ingest more/ --json load.json
    python benchmarks/load.py --serve /tmp/store --code /tmp/head ...   # serve/ingest another checkout

``--serve STORE`` starts ``python -m bot serve --port N`` on a free 127.0.0.1 port with
``QUOTEBOT_STORE=STORE`` (an empty store is seeded with the bundled transcript by the app),
waits until it answers, and always stops it at the end. ``--code DIR`` runs that server and the
ingest from DIR (working directory and ``PYTHONPATH``), so that DIR's ``bot``/``ingest``/
``vectorstore`` are imported: checked and printed before the run. ``--url`` must be a loopback
address (127.0.0.1, localhost, ::1); nothing else is ever contacted.

Target (from the issue): 20 clients, 0 errors, p95 ≤ 1.5 s during an ingest, on the 2-core
machine. Numbers on a shared machine are noisy: the load average is printed before and after.
"""

from __future__ import annotations

import os

# Before gradio_client is imported: it sends telemetry unless this is exactly "False".
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"

import argparse
import asyncio
import contextlib
import json
import math
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
from gradio_client import Client, handle_file

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = [ROOT / "tests" / "eval" / f"{name}.jsonl" for name in ("dev", "tuning", "paraphrase", "holdout")]
CHAT_API = "/chat"
ERROR_MARK = 'class="qb-error"'  # bot/ui_html.py error_html
UPLOAD_ELEM_ID = "qb-upload"  # bot/chat.py: the "Add a transcript" button
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
CHILDREN: list[subprocess.Popen[Any]] = []  # ingest processes: stopped if the script stops first


@dataclass
class Request:
    client: int
    start: float  # seconds since the clients started
    latency: float
    outcome: str  # quoted | weak | nothing | error-answer | exception
    question: str
    detail: str = ""  # the error message or exception, shortened


@dataclass
class Writer:
    kind: str  # ingest | upload
    what: str
    start: float | None = None  # seconds since the clients started
    duration: float | None = None
    ok: bool | None = None
    outcome: str = "not run"
    output: str = ""


@dataclass
class Run:
    url: str
    clients: int
    seconds: float
    warmup: float = 0.0
    think: float = 0.0
    elapsed: float = 0.0
    requests: list[Request] = field(default_factory=list)
    writers: list[Writer] = field(default_factory=list)
    connect_errors: list[str] = field(default_factory=list)
    load_before: tuple[float, ...] = ()
    load_after: tuple[float, ...] = ()
    code: dict[str, str] = field(default_factory=dict)
    server_log: str | None = None
    server_tracebacks: int = 0


# -- the server and the command line --------------------------------------------------------


def _env(code: Path, store: Path | None) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(code), env.get("PYTHONPATH", "")) if p)
    env["PYTHONUNBUFFERED"] = "1"
    if store is not None:
        env["QUOTEBOT_STORE"] = str(store)
    return env


def which_code(python: str, code: Path) -> dict[str, str]:
    """Where the subprocesses import the project's packages from; refused unless under ``code``."""
    probe = (
        "import json, app, bot, ingest, vectorstore;"
        "print(json.dumps({m.__name__: m.__file__ for m in (app, bot, ingest, vectorstore)}))"
    )
    out = subprocess.run(
        [python, "-c", probe], cwd=code, env=_env(code, None), capture_output=True, text=True, timeout=300
    )
    if out.returncode:
        raise SystemExit(f"load.py: cannot import the project from {code}:\n{out.stderr[-2000:]}")
    files: dict[str, str] = json.loads(out.stdout.strip().splitlines()[-1])
    stray = {name: f for name, f in files.items() if not Path(f).resolve().is_relative_to(code.resolve())}
    if stray:
        raise SystemExit(f"load.py: the subprocesses would import {stray}, not the code in {code}")
    return files


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def served(python: str, code: Path, store: Path, log: Path, startup: float) -> Iterator[tuple[str, int]]:
    """``quotebot serve`` on a free loopback port, until the block ends (whatever happens)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [python, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=code,
            env=_env(code, store),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped with everything it started
        )
    print(f"server: pid {proc.pid}, {url}, store {store}, log {log}", flush=True)
    try:
        t0 = time.monotonic()
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"load.py: the server exited ({proc.returncode}):\n{_tail(log)}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/config", timeout=5).status_code == 200:
                    break
            if time.monotonic() - t0 > startup:
                raise SystemExit(f"load.py: the server did not answer within {startup:.0f} s:\n{_tail(log)}")
            time.sleep(1)
        print(f"server: answering after {time.monotonic() - t0:.1f} s", flush=True)
        yield url, proc.pid
    finally:
        _stop(proc)


def _stop(proc: subprocess.Popen[Any], name: str = "server") -> None:
    """SIGTERM to the process group ``proc`` leads (started with start_new_session), then SIGKILL."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=15)
    print(f"{name}: stopped (pid {proc.pid}, exit {proc.returncode})", flush=True)


def _tail(path: Path, chars: int = 3000) -> str:
    try:
        return path.read_text(errors="replace")[-chars:]
    except OSError:
        return ""


def run_ingest(
    writer: Writer, python: str, code: Path, store: Path, paths: Sequence[Path], t0: float, timeout: float
) -> None:
    cmd = [python, "-m", "bot", "--store", str(store), "ingest", *map(str, paths)]
    writer.start = time.monotonic() - t0
    proc = subprocess.Popen(
        cmd,
        cwd=code,
        env=_env(code, store),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    CHILDREN.append(proc)
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
        writer.ok = proc.returncode == 0
        last = stdout.strip().splitlines()[-1:] or ["(no output)"]
        writer.outcome = f"exit {proc.returncode}: {last[0]}"
    except subprocess.TimeoutExpired:
        _stop(proc, "ingest")
        stdout, stderr = proc.communicate()
        writer.ok, writer.outcome = False, f"killed after {timeout:.0f} s"
    writer.duration = time.monotonic() - t0 - writer.start
    writer.output = stdout + ("\n--- stderr ---\n" + stderr if stderr else "")


# -- the upload, as the browser sends it -----------------------------------------------------


def _upload_event(client: Client) -> tuple[int, int, str]:
    """(fn_index, trigger component id, api name) of the upload button's upload event."""
    config = client.config
    ids = [c["id"] for c in config["components"] if c.get("props", {}).get("elem_id") == UPLOAD_ELEM_ID]
    for i, dep in enumerate(config["dependencies"]):
        for target, event in dep.get("targets", []):
            if target in ids and event == "upload":
                return i, target, str(dep.get("api_name"))
    raise LookupError(f"no upload event on #{UPLOAD_ELEM_ID} in the app's config")


def run_upload(writer: Writer, url: str, path: Path, via: str, t0: float, timeout: float) -> None:
    try:
        client = Client(url, verbose=False, download_files=False, analytics_enabled=False)
    except Exception as exc:
        writer.ok, writer.outcome = False, f"could not connect: {exc!r}"
        return
    try:
        fn_index, trigger, api_name = _upload_event(client)
        public = f"/{api_name}" in client.view_api(return_format="dict", print_info=False)["named_endpoints"]
        if public:
            writer.start = time.monotonic() - t0
            out = client.submit(handle_file(str(path)), api_name=f"/{api_name}").result(timeout=timeout)
            status = out[0] if isinstance(out, (list, tuple)) else out
        else:
            note = (
                f"the upload event ({api_name}, fn_index {fn_index}) is private: not in view_api(), "
                "gradio_client refuses it"
            )
            if via == "client":
                writer.outcome = f"skipped: {note}"
                print(f"upload: {writer.outcome}", flush=True)
                return
            print(f"upload: {note}; sending it as the browser does (queue/join)", flush=True)
            writer.start = time.monotonic() - t0
            status = _browser_upload(client, path, fn_index, trigger, timeout)
        writer.duration = time.monotonic() - t0 - writer.start
        text = str(status)
        writer.output = text
        writer.ok = "qb-status-ok" in text or "qb-status-same" in text
        kind = next((k for k in ("ok", "same", "error") if f"qb-status-{k}" in text), "?")
        writer.outcome = f"{kind}: {_plain(text)[:160]}"
    except Exception as exc:
        if writer.start is not None:
            writer.duration = time.monotonic() - t0 - writer.start
        writer.ok, writer.outcome = False, f"exception: {exc!r}"[:300]
    finally:
        client.close()


def _browser_upload(client: Client, path: Path, fn_index: int, trigger: int, timeout: float) -> Any:
    """POST the file to /upload, join the queue with the upload event, read its result."""
    base, session = client.src_prefixed, client.session_hash  # the session the client keeps alive
    with httpx.Client(timeout=timeout) as http:
        with path.open("rb") as f:
            r = http.post(
                f"{base}upload",
                params={"upload_id": uuid.uuid4().hex[:11]},
                files=[("files", (path.name, f))],
            )
        r.raise_for_status()
        data = {
            "path": r.json()[0],
            "orig_name": path.name,
            "size": path.stat().st_size,
            "mime_type": "text/markdown" if path.suffix == ".md" else "text/plain",
            "meta": {"_type": "gradio.FileData"},
        }
        payload = {
            "data": [data],
            "event_data": None,
            "fn_index": fn_index,
            "trigger_id": trigger,
            "session_hash": session,
        }
        r = http.post(f"{base}queue/join", json=payload)
        r.raise_for_status()
        event_id = r.json()["event_id"]
        with http.stream("GET", f"{base}queue/data", params={"session_hash": session}) as stream:
            for line in stream.iter_lines():
                if not line.startswith("data:"):
                    continue
                msg = json.loads(line[5:])
                if msg.get("event_id") != event_id or msg.get("msg") != "process_completed":
                    continue
                if not msg.get("success"):
                    raise RuntimeError(f"the upload event failed: {msg.get('output')}")
                return msg["output"]["data"][0]
    raise RuntimeError("the queue stream ended without the upload's result")


def _plain(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# -- the clients ----------------------------------------------------------------------------


def load_questions(path: Path) -> list[tuple[list[str], str]]:
    """(earlier questions of its conversation, question) for each line."""
    out = []
    for line in path.read_text().splitlines():
        if line.strip():
            case = json.loads(line)
            out.append((list(case.get("history", [])), case["question"]))
    return out


class Budget:
    """The run's bounds: a deadline and a total number of requests, shared by the clients."""

    def __init__(self, deadline: float, max_requests: int) -> None:
        self.deadline, self.left = deadline, max_requests
        self.lock = threading.Lock()

    def take(self) -> bool:
        with self.lock:
            if self.left <= 0 or time.monotonic() >= self.deadline:
                return False
            self.left -= 1
            return True


def classify(answer: Any) -> tuple[str, str]:
    if not isinstance(answer, str):
        return "error-answer", f"not an HTML answer: {answer!r}"[:300]
    if ERROR_MARK in answer:
        return "error-answer", _plain(answer)[:300]
    if "qb-lowconf" in answer:
        return "weak", ""  # quotes under the "nothing answers confidently" notice
    if 'class="qb-card' in answer:
        return "quoted", ""
    return "nothing", ""


async def ask(http: httpx.AsyncClient, url: str, data: list[Any], session: str) -> Any:
    """One question through Gradio's HTTP API: join the queue, then read the event's stream."""
    r = await http.post(f"{url}/gradio_api/call{CHAT_API}", json={"data": data, "session_hash": session})
    r.raise_for_status()
    event_id = r.json()["event_id"]
    event = ""
    async with http.stream("GET", f"{url}/gradio_api/call{CHAT_API}/{event_id}") as stream:
        async for line in stream.aiter_lines():
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:") and event in ("complete", "error"):
                payload = json.loads(line[5:])
                if event == "error":
                    raise RuntimeError(f"the event failed: {payload}")
                return payload[0]
    raise RuntimeError("the event's stream ended without its result")


async def client_loop(
    n: int,
    http: httpx.AsyncClient,
    url: str,
    defaults: list[Any],
    questions: list[tuple[list[str], str]],
    budget: Budget,
    t0: float,
    args: argparse.Namespace,
    out: list[Request],
) -> None:
    """One client: a session (like a browser tab) asking back to back, a new one per conversation."""
    rng = random.Random(args.seed * 1000 + n)
    asked_here, session = 0, uuid.uuid4().hex
    while True:
        history, question = rng.choice(questions)
        if history or (args.turns and asked_here >= args.turns):
            asked_here, session = 0, uuid.uuid4().hex  # a new conversation
        for q in [*history, question]:
            if not budget.take():
                return
            start = time.monotonic()
            try:
                answer = await asyncio.wait_for(ask(http, url, [q, *defaults], session), args.timeout)
                outcome, detail = classify(answer)
            except Exception as exc:
                outcome, detail = "exception", f"{type(exc).__name__}: {exc}"[:300]
            end = time.monotonic()
            asked_here += 1
            out.append(Request(n, start - t0, end - start, outcome, q, detail))
            if args.think:  # a person reads the answer before asking again
                await asyncio.sleep(rng.uniform(0.5, 1.5) * args.think)


def chat_defaults(url: str) -> list[Any]:
    """The chat endpoint's defaults for everything after the message, as the page starts with."""
    api = httpx.get(f"{url}/gradio_api/info", timeout=60).json()["named_endpoints"]
    if CHAT_API not in api:
        raise SystemExit(f"load.py: {url} has no {CHAT_API} endpoint; it has {sorted(api)}")
    params = api[CHAT_API]["parameters"]
    print(f"clients: {CHAT_API} takes {[p['parameter_name'] for p in params]}", flush=True)
    return [p.get("parameter_default") for p in params[1:]]


async def ask_all(
    args: argparse.Namespace, url: str, defaults: list[Any], questions: list[tuple[list[str], str]],
    budget: Budget, t0: float, out: list[Request],
) -> None:  # fmt: skip
    limits = httpx.Limits(max_connections=2 * args.clients + 4, max_keepalive_connections=2 * args.clients)
    async with httpx.AsyncClient(timeout=args.timeout, limits=limits) as http:
        clients = [
            client_loop(n, http, url, defaults, questions, budget, t0, args, out) for n in range(args.clients)
        ]
        await asyncio.gather(*clients)


def run(args: argparse.Namespace, url: str, store: Path | None) -> Run:
    result = Run(url=url, clients=args.clients, seconds=args.seconds, warmup=args.warmup, think=args.think)
    questions = [q for path in args.questions for q in load_questions(path)]
    defaults = chat_defaults(url)
    result.load_before = os.getloadavg()
    t0 = time.monotonic()
    until = args.writer_timeout + args.warmup if args.until_writers and (args.ingest or args.upload) else 0
    budget = Budget(t0 + max(args.seconds, until), args.max_requests)
    asking = threading.Thread(
        target=asyncio.run,
        args=(ask_all(args, url, defaults, questions, budget, t0, result.requests),),
        daemon=True,
    )
    writers: list[threading.Thread] = []
    if args.ingest:
        w = Writer("ingest", " ".join(map(str, args.ingest)))
        result.writers.append(w)
        assert store is not None
        writers.append(
            threading.Thread(
                target=run_ingest,
                args=(w, args.python, args.code, store, args.ingest, t0, args.writer_timeout),
                daemon=True,
            )
        )
    if args.upload:
        w = Writer("upload", str(args.upload))
        result.writers.append(w)
        writers.append(
            threading.Thread(
                target=run_upload,
                args=(w, url, args.upload, args.upload_via, t0, args.writer_timeout),
                daemon=True,
            )
        )
    asking.start()
    try:
        if writers:
            time.sleep(min(args.warmup, args.seconds))
            print(f"writers: starting after {time.monotonic() - t0:.1f} s", flush=True)
            for t in writers:
                t.start()
        if args.until_writers and writers:
            for t in writers:
                t.join(timeout=max(1.0, args.writer_timeout + 60 - (time.monotonic() - t0)))
            with budget.lock:  # the clients go on a little after the writers, never less than --seconds
                budget.deadline = min(budget.deadline, max(t0 + args.seconds, time.monotonic() + args.warmup))
        asking.join(timeout=max(1.0, budget.deadline - time.monotonic()) + args.timeout + 30)
    except BaseException:
        with budget.lock:  # interrupted: no client sends another request
            budget.left = 0
        raise
    result.elapsed = time.monotonic() - t0
    for t in writers:
        left = args.writer_timeout + 60 - (time.monotonic() - t0)
        if t.is_alive():
            print("writers: the clients are done; waiting for the writer to finish", flush=True)
        t.join(timeout=max(left, 1))
    result.load_after = os.getloadavg()
    return result


# -- the report -----------------------------------------------------------------------------


def percentile(values: Sequence[float], p: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def summary(requests: Sequence[Request], span: float) -> dict[str, Any]:
    lat = [r.latency for r in requests]
    counts = Counter(r.outcome for r in requests)
    return {
        "requests": len(requests),
        "per_s": len(requests) / span if span > 0 else math.nan,
        "p50": percentile(lat, 50),
        "p95": percentile(lat, 95),
        "p99": percentile(lat, 99),
        "max": max(lat, default=math.nan),
        "exceptions": counts["exception"],
        "error_answers": counts["error-answer"],
        "quoted": counts["quoted"],
        "weak": counts["weak"],
        "nothing": counts["nothing"],
    }


def phases(result: Run) -> list[tuple[str, dict[str, Any]]]:
    """The whole run, then by the request's start: before, during and after the writers (or, with
    none, the warm-up against the rest: the first requests after a start are the slowest)."""
    reqs, end = result.requests, result.elapsed
    rows = [("all", summary(reqs, end))]
    ran = [
        (w.kind, w.start, w.start + w.duration) for w in result.writers if w.start is not None and w.duration
    ]
    if not ran:
        cut = min(result.warmup, end)
        rows.append((f"first {cut:g} s", summary([r for r in reqs if r.start < cut], cut)))
        rows.append((f"after {cut:g} s", summary([r for r in reqs if r.start >= cut], end - cut)))
        return rows
    first, last = min(lo for _, lo, _ in ran), max(hi for _, _, hi in ran)
    rows.append(("before writers", summary([r for r in reqs if r.start < first], first)))
    for kind, lo, hi in ran:
        during = [r for r in reqs if lo <= r.start < hi]
        rows.append((f"during {kind}", summary(during, max(0.0, min(hi, end) - lo))))
    if last < end:
        rows.append(("after writers", summary([r for r in reqs if r.start >= last], end - last)))
    return rows


def report(result: Run, examples: int) -> None:
    def ms(x: float) -> str:
        return "—" if math.isnan(x) else f"{x:.2f}"

    print()
    print(
        f"{result.clients} clients × {result.seconds:.0f} s at {result.url}, "
        f"{f'thinking about {result.think:g} s between questions' if result.think else 'back to back'}: "
        f"{result.elapsed:.1f} s elapsed"
    )
    if result.code:
        print(f"code: bot from {result.code.get('bot')}")
    print(
        f"load average (1, 5, 15 min): before {', '.join(f'{x:.2f}' for x in result.load_before)}; "
        f"after {', '.join(f'{x:.2f}' for x in result.load_after)}; {os.cpu_count()} CPUs (shared: noisy)"
    )
    head = (
        f"{'':16} {'requests':>8} {'req/s':>6} {'p50 s':>6} {'p95 s':>6} {'p99 s':>6} {'max s':>6}"
        "  errors (exc / error answers)"
    )
    print(head)
    print("-" * len(head))
    for name, s in phases(result):
        print(
            f"{name:16} {s['requests']:>8} {ms(s['per_s']):>6} {ms(s['p50']):>6} {ms(s['p95']):>6} "
            f"{ms(s['p99']):>6} {ms(s['max']):>6}  {s['exceptions'] + s['error_answers']} "
            f"({s['exceptions']} / {s['error_answers']})   "
            f"quoted {s['quoted']}, weak {s['weak']}, nothing {s['nothing']}"
        )
    if result.connect_errors:
        print(f"clients that could not connect: {len(result.connect_errors)}: {result.connect_errors[:2]}")
    for w in result.writers:
        took = "—" if w.duration is None else f"{w.duration:.1f} s"
        began = "—" if w.start is None else f"{w.start:.1f} s"
        print(
            f"{w.kind}: started at {began}, took {took}, "
            f"{'ok' if w.ok else 'FAILED' if w.ok is False else '—'}: {w.outcome}"
        )
        if w.kind == "ingest" and w.output:
            for line in w.output.strip().splitlines()[-14:]:
                print(f"    {line}")
    errors = [r for r in result.requests if r.outcome in ("exception", "error-answer")]
    if errors:
        kinds = Counter(r.detail[:70] for r in errors).most_common(5)
        print(f"errors by kind (first 70 characters): {kinds}")
        print(f"error examples (up to {examples} different ones of {len(errors)}):")
        seen: set[str] = set()
        for r in errors:
            if len(seen) >= examples:
                break
            if r.detail in seen:
                continue
            seen.add(r.detail)
            print(
                f"  at {r.start:.1f} s, client {r.client}, {r.outcome}, {r.latency:.2f} s: "
                f"{r.question!r}\n    → {r.detail}"
            )
    if result.server_log:
        print(f"server log: {result.server_log} ({result.server_tracebacks} tracebacks)")
    if any(w.kind == "ingest" for w in result.writers):
        during = dict(phases(result)).get("during ingest")
        if during:
            met = (
                during["exceptions"] + during["error_answers"] == 0
                and during["p95"] <= 1.5
                and result.clients >= 20
            )
            print(
                f"target (20 clients, 0 errors, p95 ≤ 1.5 s during an ingest): {'met' if met else 'NOT met'}"
            )


def write_json(result: Run, path: Path) -> None:
    data = asdict(result)
    data["summary"] = dict(phases(result))
    path.write_text(json.dumps(data, indent=1, default=str))
    print(f"raw numbers: {path}")


# -- main -----------------------------------------------------------------------------------


def _loopback_url(url: str) -> str:
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or parsed.hostname not in LOOPBACK:
        raise argparse.ArgumentTypeError(
            f"{url!r}: only a loopback URL (http://127.0.0.1:PORT, localhost, [::1])"
        )
    return url.rstrip("/")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    target = p.add_mutually_exclusive_group(required=True)
    target.add_argument("--url", type=_loopback_url, help="a running app on this machine")
    target.add_argument("--serve", type=Path, metavar="STORE", help="start `quotebot serve` on this store")
    p.add_argument("--store", type=Path, help="with --url: the store it serves (for --ingest)")
    p.add_argument("--clients", type=int, default=20)
    p.add_argument("--seconds", type=float, default=30.0, help="how long the clients ask (default 30)")
    p.add_argument("--max-requests", type=int, default=5000, help="most requests in all (default 5000)")
    p.add_argument("--timeout", type=float, default=120.0, help="a request slower than this is an exception")
    p.add_argument("--turns", type=int, default=5, help="questions per conversation (0: one per client)")
    p.add_argument(
        "--think",
        type=float,
        default=0.0,
        help="seconds a client waits after an answer before its next question, on average "
        "(drawn from 0.5-1.5 times it); 0 (the default): back to back",
    )
    p.add_argument(
        "--questions", type=Path, nargs="+", default=QUESTIONS, help="JSONL files with a question per line"
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--ingest", type=Path, nargs="+", metavar="PATH", help="run `quotebot ingest PATH...` meanwhile"
    )
    p.add_argument("--upload", type=Path, metavar="FILE", help="upload FILE through the app meanwhile")
    p.add_argument(
        "--upload-via",
        choices=("browser", "client"),
        default="browser",
        help="if the upload event is private: speak the browser's protocol, or skip (client)",
    )
    p.add_argument(
        "--warmup",
        type=float,
        default=5.0,
        help="seconds before the writers start (default 5); with no writer, where the table splits the run",
    )
    p.add_argument("--writer-timeout", type=float, default=900.0, help="a writer is killed after this")
    p.add_argument(
        "--until-writers",
        action="store_true",
        help="the clients go on until the writers are done (at least --seconds, at most --writer-timeout)",
    )
    p.add_argument(
        "--code", type=Path, default=ROOT, help="checkout the server and ingest run from (default: this one)"
    )
    p.add_argument("--python", default=sys.executable, help="interpreter for the server and ingest")
    p.add_argument("--startup-timeout", type=float, default=300.0)
    p.add_argument("--examples", type=int, default=5, help="error examples to print")
    p.add_argument("--json", type=Path, metavar="FILE", help="also write the raw numbers here")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if not 1 <= args.clients <= 200 or args.seconds <= 0 or args.max_requests < 1:
        raise SystemExit("load.py: --clients 1..200, --seconds > 0, --max-requests ≥ 1")
    store = args.serve or args.store
    if args.ingest and store is None:
        raise SystemExit("load.py: --ingest with --url needs --store STORE (the store the app serves)")
    for path in [*(args.ingest or []), *([args.upload] if args.upload else [])]:
        if not path.exists():
            raise SystemExit(f"load.py: {path} does not exist")
    args.code = args.code.resolve()
    code = which_code(args.python, args.code) if (args.serve or args.ingest) else {}
    if code:
        print(f"code: subprocesses import {code}", flush=True)

    try:
        if args.url:
            result = run(args, args.url, store)
        else:
            log = Path(tempfile.mkdtemp(prefix="quotebot-load-")) / "server.log"
            with served(args.python, args.code, args.serve.resolve(), log, args.startup_timeout) as (url, _):
                result = run(args, url, args.serve.resolve())
            result.server_log = str(log)
            result.server_tracebacks = _tail(log, 10**8).count("Traceback")
    finally:
        for proc in CHILDREN:
            if proc.poll() is None:
                _stop(proc, "ingest")
    result.code = code
    report(result, args.examples)
    if args.json:
        write_json(result, args.json)
    return 0


def _interrupted(signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt  # unwinds through `served`, which stops the server


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _interrupted)
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
    sys.exit(130)
