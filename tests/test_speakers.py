"""Who makes a statement (issue 23): the actor that heads the speaker's phrase, and no speaker for a negated
belief."""

import pytest

from propaganda_lens.api import analyze


def speakers(text: str) -> list[tuple[str, str | None]]:
    """(speaker words, speaker actor's name) of each attributed statement."""
    analysis = analyze(text)
    names = {actor.id: actor.name for actor in analysis.actors}
    return [(text[s.source[0] : s.source[1]], names.get(s.source_actor)) for s in analysis.statements if s.source]


@pytest.mark.parametrize(
    "text, speaker",
    [
        ("The British royal denied that he had met the financier 40 times in 2010.", ("The British royal", None)),
        ("The British government said that 4,000 troops will leave Basra by March.",
         ("The British government", "United Kingdom")),
        ("Nancy Pelosi said that the deficit grew by 20 percent in 2019.", ("Nancy Pelosi", "Nancy Pelosi")),
        ("China's ambassador warned that the sanctions would hurt 3,000 British firms in 2019.",
         ("China's ambassador", "China")),
    ],
)
def test_the_speaker_actor_heads_the_phrase(text, speaker):
    assert speakers(text) == [speaker]


def test_a_negated_belief_is_the_authors_statement():
    text = "Adam Schiff never expected that the whistleblower would testify before 40 million viewers in 2019."
    assert all(words != "Adam Schiff" for words, _ in speakers(text))


def test_the_reader_sees_the_speakers_own_words_where_they_name_the_actor():
    text = ("China's ambassador warned that the sanctions would hurt 3,000 British firms in 2019. "
            "Nancy Pelosi said that the deficit grew by 20 percent in 2019. "
            "Pelosi said that 40 percent of voters agreed in 2019. "
            "The British government said that 4,000 troops will leave Basra by March.")
    analysis = analyze(text)
    assert [analysis.speaker(statement) for statement in analysis.statements] == [
        "China's ambassador", "Nancy Pelosi", "Nancy Pelosi", "United Kingdom"]
