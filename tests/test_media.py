"""The recording beside a transcript: found by its name or the front matter's `media:`, never out of
the transcript's folder, served only when a browser plays it, and the time a quote is cued to."""

from __future__ import annotations

import base64
import dataclasses
import math
import os
import struct
import wave
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
from conftest import passage, serving

from bot import chat
from bot.answer import Answer, Quote
from bot.context import context_of
from bot.handover import receive_ingest, send_ingest, send_remove
from bot.ui_html import answer_html, context_html, media_url
from ingest import Passage, read_document
from ingest import media as media_module
from ingest.media import find_media, media_kind, media_problem, seconds
from ingest.pipeline import RECORDING, IngestReport, read_files
from vectorstore import SourceInfo
from vectorstore.store import to_metadata, to_passage

VTT = """WEBVTT

00:00:00.000 --> 00:00:01.800
<v Interviewer>What do you keep in the shed by the river?

00:00:02.000 --> 00:00:05.000
<v Ada Byrne>We keep three wooden rowing boats and a box of brass oarlocks in the shed.
"""


def write_wav(path: Path, seconds_long: float = 6.0, rate: int = 8000) -> Path:
    """A sine tone of ``seconds_long`` seconds as a WAV file (Python's own wave module)."""
    frames = b"".join(
        struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * n / rate)))
        for n in range(int(seconds_long * rate))
    )
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(frames)
    return path


def markdown(folder: Path, media: str, name: str = "talk.md") -> Path:
    path = folder / name
    path.write_text(
        f"---\ntitle: A talk\nmedia: {media}\n---\n\nQuestion: What is in the shed?\n\n"
        "Ada Byrne: [00:01:05] Three wooden rowing boats and a box of brass oarlocks.\n",
        encoding="utf-8",
    )
    return path


def recorded(**fields) -> Passage:
    """A timed passage of a subtitle transcript."""
    values = dict(source="talk.vtt", date=None, speaker="Ada Byrne", question="What is in the shed?", turn=1)
    return passage("b" * 24, "Three wooden rowing boats.", **{**values, "time": "00:00:02", **fields})


# -- finding it ------------------------------------------------------------------------------


def test_a_folder_listed_once_is_listed_again_when_it_changes(tmp_path):
    """The names a folder holds are kept while its modification time stays: a recording added
    or removed since is seen, whether the folder changed a moment ago or an hour later."""
    transcript = tmp_path / "talk.vtt"
    transcript.write_text("WEBVTT\n", encoding="utf-8")
    hour_ago = (transcript.stat().st_mtime_ns // 10**9 - 3600) * 10**9
    os.utime(tmp_path, ns=(hour_ago, hour_ago))
    assert find_media(transcript) == (None, None)  # listed, and kept
    recording = tmp_path / "talk.mp3"
    recording.write_bytes(b"ID3")
    assert find_media(transcript) == (str(recording.resolve()), None)  # changed just now
    os.utime(tmp_path, ns=(hour_ago + 10**9, hour_ago + 10**9))
    assert find_media(transcript) == (str(recording.resolve()), None)  # listed again, and kept
    recording.unlink()
    os.utime(tmp_path, ns=(hour_ago + 2 * 10**9, hour_ago + 2 * 10**9))
    assert find_media(transcript) == (None, None)


def test_a_recording_of_the_transcript_s_name_beside_it_is_found(tmp_path):
    vtt = tmp_path / "talk.vtt"
    vtt.write_text(VTT, encoding="utf-8")
    assert find_media(vtt) == (None, None)
    (tmp_path / "other.mp3").write_bytes(b"ID3")
    assert find_media(vtt) == (None, None)  # another recording's name
    (tmp_path / "talk.mkv").write_bytes(b"x")
    (tmp_path / "talk.mp3").write_bytes(b"ID3")
    assert find_media(vtt) == (str(tmp_path / "talk.mp3"), None)  # one a browser plays first
    assert read_document(vtt).media == str(tmp_path / "talk.mp3")
    # Subtitles in a language: talk.en.vtt goes with talk.mp4.
    english = tmp_path / "lecture.en.vtt"
    english.write_text(VTT, encoding="utf-8")
    (tmp_path / "lecture.MP4").write_bytes(b"x")
    assert find_media(english) == (str(tmp_path / "lecture.MP4"), None)


def test_the_front_matter_names_a_recording_in_the_transcript_s_folder(tmp_path):
    (tmp_path / "audio").mkdir()
    recording = write_wav(tmp_path / "audio" / "the talk.wav", 0.1)
    path = markdown(tmp_path, "audio/the talk.wav")
    doc = read_document(path)
    assert doc.media_named == "audio/the talk.wav"
    assert doc.media == str(recording)
    # The front matter's file wins over one of the transcript's name.
    (tmp_path / "talk.mp3").write_bytes(b"ID3")
    assert read_document(path).media == str(recording)


@pytest.mark.parametrize(
    ("named", "why"),
    [
        ("../secret.mp3", "outside the transcript's folder"),
        ("audio/../../secret.mp3", "outside the transcript's folder"),
        ("/etc/secret.mp3", "not a path relative to the transcript's folder"),
        ("~/secret.mp3", "not a path relative to the transcript's folder"),
        ("link.mp3", "outside the transcript's folder"),  # a link that leads out
        ("notes.txt", "not an audio or video file"),
        ("missing.mp3", "is not there"),
    ],
)
def test_a_recording_out_of_the_folder_or_of_another_type_is_refused(tmp_path, named, why):
    folder = tmp_path / "talks"
    (folder / "audio").mkdir(parents=True)
    (tmp_path / "secret.mp3").write_bytes(b"ID3")
    (folder / "link.mp3").symlink_to(tmp_path / "secret.mp3")
    (folder / "notes.txt").write_text("private notes", encoding="utf-8")
    path = markdown(folder, named)
    found, warning = find_media(path, read_document(path).media_named)
    assert found is None and read_document(path).media is None
    assert warning is not None and why in warning and warning.startswith("talk.md: the recording")


def test_a_link_beside_the_transcript_that_leads_out_is_not_its_recording(tmp_path):
    folder = tmp_path / "talks"
    folder.mkdir()
    (tmp_path / "talk.mp3").write_bytes(b"ID3")
    (folder / "talk.mp3").symlink_to(tmp_path / "talk.mp3")
    vtt = folder / "talk.vtt"
    vtt.write_text(VTT, encoding="utf-8")
    assert find_media(vtt) == (None, None)


def test_the_pipeline_records_the_recording_and_warns_of_one_it_cannot_use(tmp_path):
    vtt = tmp_path / "talk.vtt"
    vtt.write_text(VTT, encoding="utf-8")
    wav = write_wav(tmp_path / "talk.wav", 0.1)
    bad = markdown(tmp_path, "../elsewhere.mp3", "notes.md")
    report = IngestReport()
    parsed = [read.cut(lambda text: True, 160) for read in read_files({vtt: False, bad: False}, report)]
    by_name = {p.document.source: p for p in parsed}
    assert {p.media for p in by_name["talk.vtt"].passages} == {str(wav)}
    assert by_name["talk.vtt"].passages[-1].time == "00:00:02"
    assert {p.media for p in by_name["notes.md"].passages} == {None}
    assert any(
        "notes.md: the recording '../elsewhere.mp3'" in w for w in by_name["notes.md"].transcript.warnings
    )
    # An upload (staged in a temp folder) has no recording.
    (staged,) = read_files({vtt: False}, IngestReport(), media=False)
    assert {p.media for p in staged.cut(lambda text: True, 160).passages} == {None}


def test_the_store_keeps_a_passage_s_recording():
    p = recorded(media="/talks/talk.wav")
    meta = to_metadata(p, "hash", 1)
    assert meta["media"] == "/talks/talk.wav"
    assert to_passage(p.id, p.text, meta) == p
    assert "media" not in to_metadata(recorded(), "hash", 1)
    assert to_passage(p.id, p.text, to_metadata(recorded(), "hash", 1)).media is None
    # A saved index holds passages as tuples, the field last: older shapes still construct.
    assert Passage(*dataclasses.astuple(p)) == p
    assert Passage(*dataclasses.astuple(p)[:-1]).media is None


# -- playing it ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("time", "expected"),
    [
        ("00:00:02", 2.0),
        ("00:01:05", 65.0),
        ("1:05", 65.0),
        ("01:02:03", 3723.0),
        ("0:01:05.5", 65.5),
        ("120:00", 7200.0),
        ("00:61:00", None),
        ("00:00:75", None),
        ("1:5", None),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_a_time_is_read_as_seconds(time, expected):
    assert seconds(time) == expected


def test_only_a_recording_a_browser_plays_and_of_a_bounded_size_is_played(tmp_path, monkeypatch):
    wav = write_wav(tmp_path / "talk.wav", 0.1)
    assert media_problem(str(wav)) is None
    assert media_kind(str(wav)) == "audio" and media_kind("/x/talk.webm") == "video"
    mkv = tmp_path / "talk.mkv"
    mkv.write_bytes(b"x")
    why = media_problem(str(mkv))
    assert why and why.startswith("The recording talk.mkv is not played here") and ".mp3" in why
    assert str(tmp_path) not in why  # its name, never its folder
    assert "no longer beside its transcript" in (media_problem(str(tmp_path / "gone.mp3")) or "")
    monkeypatch.setattr(media_module, "MAX_MEDIA_BYTES", 100)
    assert "serves recordings of up to" in (media_problem(str(wav)) or "")


def test_a_card_with_a_time_and_a_recording_has_a_play_button():
    timed = recorded(media="/talks/talk.wav")
    html = answer_html(Answer("q", True, (Quote(timed, 0.9, (), timed.text),)), 0.5)
    assert f'href="#play={timed.id}"' in html and "▶ at 00:00:02" in html
    assert "/talks" not in html  # no path in the chat
    for untimed in (recorded(media="/talks/talk.wav", time=None), recorded(), recorded(media="/t/talk.mkv")):
        html = answer_html(Answer("q", True, (Quote(untimed, 0.9, (), untimed.text),)), 0.5)
        assert "#play=" not in html


def test_the_viewer_plays_the_recording_from_the_passage_s_time(tmp_path):
    wav = write_wav(tmp_path / "my talk#1.wav", 0.1)
    p = recorded(media=str(wav), time="00:01:05")
    html = context_html(context_of(p, [p]))
    assert '<audio class="qb-player"' in html and 'data-start="65"' in html
    assert f'data-passage="{p.id}"' in html
    assert f'src="{media_url(str(wav))}"' in html
    assert media_url(str(wav)) == f"gradio_api/file={tmp_path}/my%20talk%231.wav"
    assert "Recording: my talk#1.wav from 00:01:05" in html
    video = tmp_path / "talk.webm"
    video.write_bytes(b"x")
    p = recorded(media=str(video), time=None)
    html = context_html(context_of(p, [p]))
    assert '<video class="qb-player"' in html and "data-start" not in html
    # One it cannot play: the viewer says why, and shows no player.
    mkv = tmp_path / "talk.mkv"
    mkv.write_bytes(b"x")
    p = recorded(media=str(mkv))
    html = context_html(context_of(p, [p]))
    assert "qb-player" not in html and "gradio_api" not in html
    assert "The recording talk.mkv is not played here" in html
    assert "qb-player" not in context_html(context_of(recorded(), [recorded()]))


def test_the_chat_serves_the_stored_recordings_a_browser_plays_and_nothing_else(tmp_path):
    wav = write_wav(tmp_path / "talk.wav", 0.1)
    mkv = tmp_path / "other.mkv"
    mkv.write_bytes(b"x")
    infos = [
        SourceInfo("talk.vtt", "A talk", None, None, [], 2, str(wav)),
        SourceInfo("other.vtt", "Other", None, None, [], 2, str(mkv)),
        SourceInfo("gone.vtt", "Gone", None, None, [], 2, str(tmp_path / "gone.mp3")),
        SourceInfo("plain.txt", "Plain", None, None, [], 2),
    ]
    assert chat.served_media(infos) == [str(wav)]


def test_opening_a_passage_serves_its_recording(tmp_path):
    wav = write_wav(tmp_path / "talk.wav", 0.1)
    p = recorded(media=str(wav))
    demo = SimpleNamespace(allowed_paths=[])
    bot = SimpleNamespace(context=lambda pid: context_of(p, [p]) if pid == p.id else None)
    html, _, _ = chat.open_source(bot, p.id, demo)  # type: ignore[arg-type]
    assert "qb-player" in html and demo.allowed_paths == [str(wav)]
    chat.open_source(bot, p.id, demo)  # type: ignore[arg-type]
    assert demo.allowed_paths == [str(wav)]
    unplayable = recorded(media=str(tmp_path / "gone.mp3"))
    bot = SimpleNamespace(context=lambda pid: context_of(unplayable, [unplayable]))
    chat.open_source(bot, unplayable.id, demo)  # type: ignore[arg-type]
    assert demo.allowed_paths == [str(wav)]


# -- through the store ------------------------------------------------------------------------


def test_an_ingested_folder_records_each_recording_and_follows_it(make_bot, tmp_path):
    folder = tmp_path / "talks"
    folder.mkdir()
    vtt = folder / "talk.vtt"
    vtt.write_text(VTT, encoding="utf-8")
    bot = make_bot()
    assert bot.ingest([folder]).added == ["talk.vtt"]
    assert bot.sources()[0].media is None
    wav = write_wav(folder / "talk.wav", 0.1)
    report = bot.ingest([folder])  # the transcript is unchanged, but now it has a recording
    assert report.replaced == ["talk.vtt"]
    assert report.skipped == [(str(wav), RECORDING)]
    assert bot.sources()[0].media == str(wav)
    assert {p.media for p in bot.store.passages()} == {str(wav)}
    assert bot.ingest([folder]).unchanged == ["talk.vtt"]
    answer = bot.ask("What is kept in the shed by the river?", k=1)
    assert answer.quotes[0].passage.time == "00:00:02" and answer.quotes[0].passage.media == str(wav)


def test_a_file_sent_to_the_chat_has_its_recording_only_when_it_is_where_it_says(make_bot, tmp_path):
    folder = tmp_path / "talks"
    folder.mkdir()
    vtt = folder / "talk.vtt"
    vtt.write_text(VTT, encoding="utf-8")
    wav = write_wav(folder / "talk.wav", 0.1)
    bot = make_bot()
    sent = base64.b64encode(vtt.read_bytes()).decode("ascii")
    # Another file's content, said to be there: taken as sent, without a recording.
    other = base64.b64encode(VTT.replace("three", "four").encode()).decode("ascii")
    assert receive_ingest(bot.store, ["talk.vtt"], [False], [other], [str(vtt)])["added"] == ["talk.vtt"]
    assert bot.sources()[0].media is None
    done = receive_ingest(bot.store, ["talk.vtt"], [False], [sent], [str(vtt)])
    assert done["replaced"] == ["talk.vtt"] and bot.sources()[0].media == str(wav)


@pytest.mark.slow  # a chat served, and a client of it
def test_an_ingest_sent_to_the_chat_keeps_its_recording_and_the_chat_serves_it(make_bot, tmp_path):
    folder = tmp_path / "talks"
    folder.mkdir()
    (folder / "talk.vtt").write_text(VTT, encoding="utf-8")
    wav = write_wav(folder / "talk.wav", 0.1)
    bot = make_bot()
    with serving(bot) as (url, demo):
        assert str(wav) not in demo.allowed_paths
        report, _ = send_ingest(url, [folder], None)  # what `quotebot ingest` does while a chat runs
        assert report.added == ["talk.vtt"] and report.skipped == [(str(wav), RECORDING)]
        assert {i.source: i.media for i in bot.sources()}["talk.vtt"] == str(wav)
        assert str(wav) in demo.allowed_paths
        served = httpx.get(url + media_url(str(wav)))
        assert served.status_code == 200 and served.content[:4] == b"RIFF"
        assert httpx.get(url + media_url(str(folder / "talk.vtt"))).status_code == 403
        send_remove(url, "talk.vtt", None)
        assert str(wav) not in demo.allowed_paths
        assert httpx.get(url + media_url(str(wav))).status_code == 403
