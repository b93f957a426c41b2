from __future__ import annotations

import gc
import json
import math
import weakref
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

import pytest
from conftest import BUNDLED, FIXTURES, collapse

from bot.fusion import coverage
from bot.highlight import ELLIPSIS, verbatim_segments
from bot.render import citation_line
from ingest.errors import EmptyQuestionError, QuotebotError, SourceNotFoundError, SpeakerNotFoundError

SOURCE = collapse(BUNDLED.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("question", "gold"),
    [
        # A broad question: either statement of his view on sanctions answers it.
        (
            "What does Lavrov think about sanctions?",
            ("Nothing good will ever come of sanctions", "I consider sanctions to be the main tool"),
        ),
        ("Can online concerts replace live ones?", "it will never replace face-to-face relations"),
        (
            "How many cross year events are planned for 2021?",
            "About 500 more events are planned for this year",
        ),
        (
            "Who decides whether universities resume in-person teaching?",
            "taken by the university authorities",
        ),
    ],
)
def test_right_passage_first(bundled_bot, question, gold):
    answer = bundled_bot.ask(question)
    assert answer.answered
    first = collapse(answer.quotes[0].text)
    assert any(g in first for g in ([gold] if isinstance(gold, str) else gold))


def test_quotes_are_verbatim_and_cited(bundled_bot):
    answer = bundled_bot.ask("What does Lavrov say about vaccination passports?", k=5)
    assert len(answer.quotes) == 5
    raw = BUNDLED.read_text(encoding="utf-8")
    for quote in answer.quotes:
        # a long passage is quoted as a window: each piece between […] marks is verbatim
        assert all(collapse(piece) in SOURCE for piece in verbatim_segments(quote.text))
        # ... and the pieces come from the quoted passage, in its order
        whole, pos = collapse(quote.passage.text), 0
        for piece in verbatim_segments(quote.text):
            found = whole.find(collapse(piece), pos)
            assert found >= 0, piece
            pos = found + len(collapse(piece))
        assert quote.highlight and all(collapse(h) in collapse(quote.text) for h in quote.highlight)
        p = quote.passage
        assert raw[p.char_start : p.char_end] == p.text
        assert 0.0 <= quote.score <= 1.0
    scores = [q.score for q in answer.quotes]
    assert scores == sorted(scores, reverse=True)


def test_json_contract(bundled_bot):
    data = json.loads(json.dumps(bundled_bot.ask("What does Lavrov think about sanctions?").to_dict()))
    assert set(data) == {"question", "answered", "quotes", "follows", "more", "searched"}
    assert (data["follows"], data["more"], data["searched"]) == (None, False, None)
    quote = data["quotes"][0]
    assert set(quote) == {"rank", "text", "highlight", "score", "citation"}
    assert set(quote["citation"]) == {
        "source",
        "title",
        "date",
        "url",
        "speaker",
        "question",
        "turn",
        "paragraph",
        "last_paragraph",
        "char_start",
        "char_end",
        "time",
    }
    assert quote["rank"] == 1
    assert quote["citation"]["source"] == BUNDLED.name
    assert quote["citation"]["speaker"] == "Sergey Lavrov"
    assert quote["citation"]["turn"] == 3
    assert quote["citation"]["time"] is None  # the transcript gives no times
    assert quote["citation"]["last_paragraph"] == quote["citation"]["paragraph"]  # one paragraph each


def test_a_quote_from_joined_paragraphs_cites_them_all(make_bot):
    """A briefing written a sentence or two a paragraph is quoted from paragraphs joined, and its
    citation gives them all ("¶1–2"), so the words can be found."""
    briefing = (
        Path(__file__).parent
        / "eval"
        / "press"
        / "transcripts"
        / "06_whitehouse_press_briefing_psaki_2021-01-20.md"
    )
    bot = make_bot()
    bot.ingest([briefing])
    answer = bot.ask("Is the President still going to use the Defense Production Act for vaccines?")
    quote = answer.quotes[0]
    citation = quote.to_dict(1)["citation"]
    assert "Defense Production Act" in quote.text
    assert citation["last_paragraph"] > citation["paragraph"]
    assert f"¶{citation['paragraph']}–{citation['last_paragraph']}" in citation_line(quote)
    source = collapse(briefing.read_text(encoding="utf-8"))
    assert all(collapse(piece) in source for piece in verbatim_segments(quote.text))


@pytest.mark.parametrize(
    "question",
    ["How do I reset my home router?", "What did Lavrov say about cryptocurrency regulation?"],
)
def test_unanswerable_question_is_declined(bundled_bot, question):
    answer = bundled_bot.ask(question)
    assert not answer.answered
    assert answer.to_dict()["answered"] is False
    assert answer.quotes  # the closest passages are still offered, marked low-confidence


def test_misspelt_words_are_corrected_before_searching(bundled_bot, make_bot):
    right = bundled_bot.ask("What does Lavrov think about vaccination passports?")
    typed = bundled_bot.ask("What does Lavorv think about vacination pasports?")
    assert typed.searched == "What does Lavrov think about vaccination passports?"
    assert typed.question == "What does Lavorv think about vacination pasports?"
    assert typed.answered and typed.quotes == right.quotes
    assert typed.to_dict()["searched"] == typed.searched
    assert right.searched is None
    as_typed = make_bot(bundled_bot.settings.store, spelling=False).ask(typed.question)
    assert as_typed.searched is None and not as_typed.answered


def test_a_misspelt_earlier_question_is_corrected_for_a_follow_up(bundled_bot):
    right = bundled_bot.ask("Who first proposed them?", ["What does Lavrov say about vaccination passports?"])
    typed = bundled_bot.ask("Who first proposed them?", ["What does Lavrov say about vacination pasports?"])
    assert typed.quotes == right.quotes and typed.follows == right.follows


def test_followup_uses_the_previous_question(bundled_bot):
    history = ["What does Lavrov say about vaccination passports?"]
    gold = "Xi Jinping advanced the idea of digital health passports"
    answer = bundled_bot.ask("Who first proposed them?", history=history)
    assert answer.answered
    assert any(gold in collapse(q.passage.text) for q in answer.quotes)
    assert all(q.passage.turn == 4 for q in answer.quotes)  # the vaccination passports answer
    assert answer.follows == history[0] and not answer.more
    assert answer.to_dict()["follows"] == history[0]
    alone = bundled_bot.ask("Who first proposed them?")
    assert not any(gold in collapse(q.passage.text) for q in alone.quotes)


def test_a_followup_naming_the_speaker_is_still_a_followup(bundled_bot):
    history = ["How did Russia and China cooperate against the coronavirus?"]
    gold = "this is an example to follow for any and all countries"
    named = bundled_bot.ask("Does Lavrov think other nations should copy that?", history=history)
    assert gold in collapse(named.quotes[0].passage.text)
    alone = bundled_bot.ask("Does Lavrov think other nations should copy that?")
    assert gold not in collapse(alone.quotes[0].passage.text)


def test_asking_for_more_quotes_the_next_passages(bundled_bot):
    question = "What does Lavrov say about vaccination passports?"
    first = bundled_bot.ask(question)
    more = bundled_bot.ask("Tell me more", history=[question])
    again = bundled_bot.ask("Anything else?", history=[question, "Tell me more"])
    pages = [[q.passage.id for q in answer.quotes] for answer in (first, more, again)]
    assert all(len(page) == 3 for page in pages)
    assert len({pid for page in pages for pid in page}) == 9  # no passage quoted twice
    ranked = [c.passage.id for c in bundled_bot.rank(question, depth=50)]
    assert pages == [ranked[:3], ranked[3:6], ranked[6:9]]
    assert more.question == "Tell me more"
    assert (more.follows, more.more, first.follows) == (question, True, None)


def test_self_contained_question_ignores_history(bundled_bot):
    question = "How many cross year events are planned for 2021?"
    alone = bundled_bot.ask(question)
    after = bundled_bot.ask(question, history=["What does Lavrov say about vaccination passports?"])
    assert [q.to_dict(1) for q in after.quotes] == [q.to_dict(1) for q in alone.quotes]
    assert after.follows is None


def test_a_short_question_is_read_the_way_the_transcripts_answer_it_best(bundled_bot):
    # Two words of its own and nothing pointing back: a new topic, or a follow-up.
    earlier = ["What does Lavrov say about sanctions?"]
    new_topic = bundled_bot.ask("Vaccination certificates?", history=earlier)
    alone = bundled_bot.ask("Vaccination certificates?")
    assert new_topic.follows is None
    assert [q.to_dict(1) for q in new_topic.quotes] == [q.to_dict(1) for q in alone.quotes]
    history = ["What are the Years of Science, Technology and Innovation?"]
    followup = bundled_bot.ask("Which fields?", history=history)
    assert followup.follows == history[0]
    assert followup.quotes[0].score > bundled_bot.ask("Which fields?").quotes[0].score
    # The next follow-up borrows from what each short question was read with.
    after_new = bundled_bot.ask("Who first proposed them?", history=[*earlier, "Vaccination certificates?"])
    assert after_new.follows == "Vaccination certificates?"
    after_followup = bundled_bot.ask("And which is the largest?", history=[*history, "Which fields?"])
    assert after_followup.follows == f"{history[0]} Which fields?"


def test_a_question_opening_like_a_continuation_may_still_change_the_subject(bundled_bot):
    earlier = ["What does Lavrov think about sanctions?"]
    switched = bundled_bot.ask("What about vaccine passports?", history=earlier)
    alone = bundled_bot.ask("What about vaccine passports?")
    assert switched.follows is None
    assert [q.to_dict(1) for q in switched.quotes] == [q.to_dict(1) for q in alone.quotes]
    # ... and the follow-up after it follows vaccine passports alone, not sanctions too.
    after = bundled_bot.ask("Who first proposed them?", history=[*earlier, "What about vaccine passports?"])
    assert after.follows == "What about vaccine passports?"
    assert all("sanction" not in q.text for q in after.quotes)


def test_a_passage_cut_from_a_longer_paragraph_is_quoted_with_the_cut_marked(bundled_bot):
    answer = bundled_bot.ask("What is the treaty between Russia and China about?", k=5)
    index = bundled_bot.store.derived()
    cuts = [index.paragraph_goes_on(q.passage) for q in answer.quotes]
    assert (True, False) in cuts and (False, True) in cuts  # both halves of question 1's ¶2
    for quote, (before, after) in zip(answer.quotes, cuts, strict=True):
        assert quote.text.startswith(ELLIPSIS) or not before
        assert quote.text.endswith(ELLIPSIS) or not after


def test_the_match_signal_meets_a_paraphrase_word_by_word(bundled_bot):
    # Neither "suffers" nor "most" is in the answer: "have been hit by the sanctions particularly hard".
    ranked = bundled_bot.rank("Who suffers most from sanctions?")
    best = max(ranked, key=lambda c: c.signals["match"])
    assert "Poor countries and developing economies have been hit" in best.passage.text
    assert all(0.0 < c.signals["match"] <= 1.0 for c in ranked)


def test_scores_are_calibrated_probabilities(bundled_bot):
    strong = bundled_bot.ask("How many cross year events are planned for 2021?").quotes[0].score
    weak = bundled_bot.ask("What is the tallest mountain in Africa?").quotes[0].score
    assert 0.0 <= weak < bundled_bot.model.min_score <= strong <= 1.0


@pytest.fixture
def with_beekeeper(make_bot):
    """A store holding the bundled interview and a beekeeper's."""
    bot = make_bot()
    bot.ingest([BUNDLED, FIXTURES / "beekeeper.md"])
    return bot


def test_a_larger_pool_lowers_the_score(with_beekeeper):
    """The best of many passages matches well by chance more often than the best of a few, so
    the same passage scores lower when more passages could have answered."""
    bot = with_beekeeper
    question = "How many cross year events are planned for 2021?"
    everywhere = bot.rank(question)[0]
    lavrov_only = bot.rank(question, sources=[BUNDLED.name])[0]
    assert everywhere.passage == lavrov_only.passage
    assert everywhere.signals == lavrov_only.signals
    assert lavrov_only.pool < everywhere.pool

    def logit(p: float) -> float:
        return math.log(p / (1.0 - p))

    drop = logit(lavrov_only.score) - logit(everywhere.score)
    expected = -bot.model.pool_weight * math.log(everywhere.pool / lavrov_only.pool)
    assert drop > 0
    assert drop == pytest.approx(expected, rel=1e-3)


def test_a_word_only_other_sources_use_counts_as_never_used(with_beekeeper):
    """Filtered to the interview, "honey" weighs as a word nobody uses, however often the
    beekeeper says it: the passages quoted are not credited for matching the rest."""
    bot = with_beekeeper
    index = bot.store.derived()
    question = "What does he say about sanctions and honey?"
    best = bot.rank(question, sources=[BUNDLED.name])[0]
    tokens, words = best.query.tokens, index.words_of(index.row(best.passage.id))
    assert "honey" in tokens and "honey" not in words
    as_never_used = coverage(tokens, words, partial(index.idf, unused={"honey"}))
    assert best.signals["coverage"] == pytest.approx(as_never_used)
    assert as_never_used < coverage(tokens, words, index.idf)


@pytest.mark.parametrize("question", ["", "   \n\t "])
def test_empty_question_is_refused(bundled_bot, question):
    with pytest.raises(EmptyQuestionError, match="empty"):
        bundled_bot.ask(question)


def test_filters_narrow_the_answer(bundled_bot):
    # The bot checks its own filters: every caller gets the same error, naming what there is.
    with pytest.raises(SourceNotFoundError, match=r"No source named 'no-such-source\.txt' in the store"):
        bundled_bot.ask("sanctions", sources=["no-such-source.txt"])
    answer = bundled_bot.ask("sanctions", speakers=["Sergey Lavrov"], k=2)
    assert len(answer.quotes) == 2


def test_a_question_naming_a_speaker_quotes_that_speaker(with_beekeeper):
    bot = with_beekeeper
    bees = "How do you keep bees alive through the winter?"
    assert bot.ask(bees).quotes[0].passage.speaker == "Ruth Calder"
    # Lavrov never speaks of bees: his closest passages, declined, rather than the beekeeper's.
    answer = bot.ask("What did Lavrov say about keeping bees alive through the winter?")
    assert {q.passage.speaker for q in answer.quotes} == {"Sergey Lavrov"}
    assert not answer.answered
    # The name carries over to a follow-up; a filter the asker chose wins over a name.
    followup = bot.ask("And in summer?", history=["What did Lavrov say about bees?"])
    assert {q.passage.speaker for q in followup.quotes} == {"Sergey Lavrov"}
    chosen = bot.ask("What did Lavrov say about bees?", speakers=["Ruth Calder"])
    assert chosen.quotes[0].passage.speaker == "Ruth Calder"


def test_filters_that_match_nothing_are_named(with_beekeeper):
    bot = with_beekeeper
    lavrov, bees = BUNDLED.name, "beekeeper.md"

    def refusal(error, **filters):
        with pytest.raises(error) as caught:
            bot.ask("What did they say about bees?", **filters)
        return str(caught.value)

    assert refusal(SourceNotFoundError, sources=[lavrov, "nope.txt"]) == (
        f"No source named 'nope.txt' in the store. Ingested sources: {bees}, {lavrov}."
    )
    assert refusal(SpeakerNotFoundError, speakers=["Sergei Lavrov"]) == (
        "No speaker named 'Sergei Lavrov' in the store. Speakers in the store: Ruth Calder, Sergey Lavrov."
    )
    assert refusal(SpeakerNotFoundError, sources=[bees], speakers=["Sergey Lavrov"]) == (
        f"No speaker named 'Sergey Lavrov' in {bees}. Speakers in {bees}: Ruth Calder."
    )
    for sources, speakers in [
        ([lavrov], None),
        ([bees], None),  # a question may name Lavrov there: he is what it asks about
        ([bees, lavrov], None),
        (None, ["Ruth Calder"]),
        (None, ["lavrov"]),
        ([bees], ["Ruth Calder"]),
    ]:
        bot.ask("What did they say about bees?", sources=sources, speakers=speakers)


def test_a_question_about_someone_who_does_not_speak_in_the_chosen_source_is_answered(make_bot, roe_and_doe):
    roe, doe = roe_and_doe
    bot = make_bot()
    bot.ingest([roe, doe])
    question = "What does John Doe think of Roe?"
    answer = bot.ask(question, sources=[doe.name])
    assert answer.answered
    first = answer.quotes[0]
    assert (first.passage.source, first.passage.speaker) == (doe.name, "John Doe")
    assert first.text.startswith("Jane Roe is the most stubborn farmer I know")
    assert {q.passage.source for q in answer.quotes} == {doe.name}
    # Naming only someone who does not speak there: answered from what is said of her.
    answer = bot.ask("Why did Roe sell her tractors?", sources=[doe.name])
    assert answer.answered and answer.quotes[0].text == first.text
    # Asked of every transcript, the question still names both speakers; asked of Roe's, she speaks.
    assert {q.passage.speaker for q in bot.ask(question).quotes} <= {"Jane Roe", "John Doe"}
    assert {q.passage.speaker for q in bot.ask("What did Roe say?", sources=[roe.name]).quotes} == {
        "Jane Roe"
    }
    # A speaker chosen by hand who does not speak there is still an error.
    with pytest.raises(SpeakerNotFoundError, match=f"No speaker named 'Jane Roe' in {doe.name}"):
        bot.ask(question, sources=[doe.name], speakers=["Jane Roe"])


def test_a_repeated_paragraph_is_quoted_once(make_bot, tmp_path):
    """A page that repeats a block of its own text gives two passages of the same words: the
    answer quotes them once and fills its quotes from the next candidates."""
    repeated = (
        "Question: How do you keep your bees alive through the winter?\n\n"
        "Ruth Calder: We wrap every hive in black roofing felt in late October, so the bees stay "
        "warm through the winter, and we leave them half of their honey.\n\n"
    )
    page = tmp_path / "bees.txt"
    page.write_text(
        repeated + "Question: When do you take the honey?\n\n"
        "Ruth Calder: We take the honey in August, after the clover has finished flowering.\n\n"
        "Question: What kills most hives?\n\n"
        "Ruth Calder: Mites kill more hives than the cold does; a strong colony survives any winter.\n\n"
        + repeated,
        encoding="utf-8",
    )
    bot = make_bot()
    bot.ingest([page])
    texts = [p.text for p in bot.store.passages()]
    assert len(texts) > len(set(texts))  # the store does hold the same words twice
    question = "How do you keep bees alive through the winter?"
    answer = bot.ask(question, k=3)
    quoted = [collapse(q.text) for q in answer.quotes]
    assert len(quoted) == 3 and len(set(quoted)) == 3
    assert quoted[0].startswith("We wrap every hive in black roofing felt")
    assert [q["rank"] for q in answer.to_dict()["quotes"]] == [1, 2, 3]
    more = bot.ask("Tell me more", history=[question], k=3)
    assert not {collapse(q.text) for q in more.quotes} & set(quoted)


def test_a_speaker_asking_back_is_never_quoted(make_bot, tmp_path):
    call = tmp_path / "call.txt"
    call.write_text(
        "Q: What do you think of vaccine passports for travel?\n\n"
        "A: Vaccine passports for travel?\n\n"
        "Q: Yes.\n\n"
        "A: There will be no federal vaccine passport. Each state decides what proof of "
        "vaccination travellers must show, and we will not keep a national register.\n",
        encoding="utf-8",
    )
    bot = make_bot()
    bot.ingest([call])
    answer = bot.ask("Vaccine passports for travel?")
    assert answer.quotes[0].text.startswith("There will be no federal vaccine passport.")
    assert all(not q.text.endswith("?") for q in answer.quotes)


def test_context_shows_the_whole_answer_around_a_passage(bundled_bot):
    quote = bundled_bot.ask("What does Lavrov think about sanctions?").quotes[0]
    ctx = bundled_bot.context(quote.passage.id)
    assert ctx is not None and ctx.passage == quote.passage
    turn = {p.turn for para in ctx.paragraphs for p in para}
    assert turn == {quote.passage.turn}
    numbers = [para[0].paragraph for para in ctx.paragraphs]
    assert quote.passage.paragraph in numbers and numbers == sorted(numbers) and len(numbers) > 1
    assert bundled_bot.context("0" * 24) is None


@pytest.mark.parametrize("question", ["Why?", "Tell me more", "Anything else?", "What did he say?"])
def test_a_question_that_only_follows_on_needs_an_earlier_one(bundled_bot, question):
    with pytest.raises(EmptyQuestionError, match="ask about the transcripts first"):
        bundled_bot.ask(question)
    assert bundled_bot.ask(question, history=["What does Lavrov think about sanctions?"]).quotes


@pytest.mark.parametrize("k", [0, 11, 2.5])
def test_the_number_of_quotes_is_checked(bundled_bot, k):
    with pytest.raises(QuotebotError, match="k must be a whole number from 1 to 10"):
        bundled_bot.ask("What does Lavrov think about sanctions?", k=k)


def test_a_question_in_capitals_is_answered_as_one_in_lower_case(bundled_bot):
    shouted = bundled_bot.ask("WHAT DOES LAVROV THINK ABOUT SANCTIONS?")
    assert shouted.quotes == bundled_bot.ask("What does Lavrov think about sanctions?").quotes


def test_invisible_characters_and_decomposed_accents_do_not_split_words(bundled_bot):
    right = bundled_bot.ask("What does Lavrov think about vaccination passports?")
    typed = bundled_bot.ask("What does Lavrov think about vac\u00adcina\u200btion pass\u0301ports?")
    assert typed.searched is None  # nothing misspelt: "passports" with an accent on its s
    assert typed.quotes[0].passage == right.quotes[0].passage


def test_a_speaker_labelled_by_title_is_found_by_the_name_the_title_gives(make_bot):
    """'THE PRESIDENT:' in "Remarks by President Biden …" is President Biden: --speaker biden finds
    him, and a question naming Biden quotes him, while one naming Putin (who does not speak there)
    is answered about Putin."""
    bot = make_bot()
    bot.ingest(
        [FIXTURES / "biden_geneva_2021-06-16.md", FIXTURES / "pages" / "kremlin_2016-02-29_51406.html"]
    )
    answer = bot.ask("What would happen if Navalny died?", speakers=["biden"])
    assert {q.passage.speaker for q in answer.quotes} == {"President Biden"}
    assert "devastating for Russia" in answer.quotes[0].text
    named = bot.ask("What did Biden say would happen if Navalny dies?")
    assert named.quotes[0].passage.speaker == "President Biden"
    geneva = "biden_geneva_2021-06-16.md"
    about = bot.ask("What did Biden tell Putin about Navalny?", sources=[geneva])
    assert about.answered and {q.passage.source for q in about.quotes} == {geneva}


def test_a_question_about_a_speaker_may_be_answered_by_someone_else(make_bot, tmp_path):
    """'Biden' names a speaker in the store, but "How long was Biden a senator?" is answered by his
    press secretary: the question is read both as asking him and as asking about him."""
    briefing = tmp_path / "briefing.md"
    briefing.write_text(
        "Q How long was the President in the Senate?\n\n"
        "MS. PSAKI: He served in the Senate for thirty-six years, representing Delaware, before he "
        "became Vice President.\n\n"
        "Q What is on the schedule tomorrow?\n\n"
        "MS. PSAKI: Tomorrow he meets the governors to talk about the harbour ferries.\n",
        encoding="utf-8",
    )
    bot = make_bot()
    bot.ingest([FIXTURES / "biden_geneva_2021-06-16.md", briefing])
    answer = bot.ask("How long was Biden a senator?")
    assert answer.quotes[0].passage.speaker == "Ms. Psaki"
    assert "thirty-six years" in answer.quotes[0].text
    assert bot.ask("What did Biden say about Navalny?").quotes[0].passage.speaker == "President Biden"


def test_questions_at_once_embed_each_passage_once_and_answer_as_alone(make_bot, embedder):
    """The chat's first questions come together and want the same passages: one embeds their
    details, the others wait for it, and every answer is the one a question asked alone gets."""
    bot = make_bot()
    bot.ingest([BUNDLED])
    question = "What does Lavrov think about sanctions?"
    alone = bot.ask(question)
    bot._detail_cache.clear()
    embedded: list[str] = []
    real = embedder.embed_pieces

    def counting(texts, **options):
        embedded.extend(texts)
        return real(texts, **options)

    embedder.embed_pieces = counting  # the real model, counted
    try:
        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(lambda _: bot.ask(question), range(8)))
    finally:
        del embedder.embed_pieces
    stored = {p.text for p in bot.store.passages()}
    passages = [t for t in embedded if t in stored]
    assert passages and len(passages) == len(set(passages))
    assert all([q.passage.id for q in a.quotes] == [q.passage.id for q in alone.quotes] for a in answers)
    assert all(a.quotes[0].highlight == alone.quotes[0].highlight for a in answers)
    assert not bot._detail_pending


def test_what_the_warm_up_loads_is_left_out_of_the_collectors_scans(bundled_bot):
    class Node:
        pass

    looped = Node()
    looped.itself = looped
    gone = weakref.ref(looped)
    bundled_bot.warm_up()
    # The model's libraries make some 400,000 objects; a full collection scanned them all.
    assert gc.get_freeze_count() > 100_000
    del looped
    bundled_bot.warm_up()  # as the chat does after each upload
    assert gone() is None, "what a warm-up froze is collected by the next once it is garbage"
    answer = bundled_bot.ask("What does Lavrov say about sanctions?")
    assert answer.quotes, "a question after the warm-up is answered as before"
