"""The CAMEO verb table: built from PETRARCH2's dictionary by tools/build_cameo_verbs.py, and read by the
relations stage for the verbs its hand lists lack."""

import sys
from pathlib import Path

import pytest

from propaganda_lens.actors.relations import cameo_polarities, verb_polarity

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
import build_cameo_verbs  # noqa: E402
from conftest import actors_and_relations, shared  # noqa: E402


def relations_in(text: str) -> set[tuple[str, str, str]]:
    return {relation[:3] for relation in actors_and_relations(text)[1]}


def test_the_shipped_table_is_what_the_build_script_makes():
    dictionaries = shared(build_cameo_verbs.DICTIONARIES, "the CAMEO dictionaries")
    assert build_cameo_verbs.TABLE.read_text(encoding="utf-8") == build_cameo_verbs.build(dictionaries)


def test_the_table_gives_cameo_roots_their_polarity():
    rows = {(row[0], row[4]): row for row in
            (line.split("\t") for line in build_cameo_verbs.TABLE.read_text(encoding="utf-8").splitlines()[1:])}
    assert rows[("denounce", "DENOUNCE")][1:4] == ["111", "11", "opposes"]
    assert rows[("support", "SUPPORT")][1:4] == ["050", "05", "supports"]
    assert rows[("wage war", "PHYSICAL_CONFLICT")][3] == "opposes"  # PETRARCH2's WAGE_WAR, as words


def test_verbs_outside_the_relation_sets_give_no_polarity():
    polarities = cameo_polarities()
    assert polarities["lambaste"] == "opposes" and polarities["bankroll"] == "supports"
    for verb in ("meet", "say", "investigate", "demand", "give", "send", "head"):  # not relations by the guidelines
        assert verb not in polarities
    assert verb_polarity("fight", ["back"]) == "opposes"  # the phrasal form first
    assert verb_polarity("back", []) == "supports"  # the hand list


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Jeremy Corbyn lambasted Boris Johnson on Tuesday.", ("Jeremy Corbyn", "opposes", "Boris Johnson")),
        ("Qatar bankrolled Hamas for years.", ("Qatar", "supports", "Hamas")),
        ("Turkey impugned the Kurdistan Workers' Party again.", ("Turkey", "opposes", "Kurdistan Workers' Party")),
    ],
)
def test_a_cameo_verb_gives_a_relation(text, expected):
    assert expected in relations_in(text)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Russia acted in concert with the Syrian Arab Army and Hezbollah.", ("Russia", "supports", "Hezbollah")),
        ("Jeremy Corbyn has been a long-time critic of the European Union.",
         ("Jeremy Corbyn", "opposes", "European Union")),
        ("Hezbollah, Iran's proxy in Lebanon, fired rockets.", ("Iran", "supports", "Hezbollah")),
        ("The Taliban worked in league with Al Qaeda.", ("Taliban", "supports", "Al Qaeda")),
    ],
)
def test_nouns_of_allegiance_and_hostility_give_relations(text, expected):
    assert expected in relations_in(text)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Joe Donnelly voted against Brett Kavanaugh's confirmation.", ("Joe Donnelly", "opposes", "Brett Kavanaugh")),
        ("Donald Trump stumped for Mike Braun in Indiana.", ("Donald Trump", "supports", "Mike Braun")),
        ("Donald Trump issued pardons to Dwight Hammond.", ("Donald Trump", "supports", "Dwight Hammond")),
        ("Senate Democrats continued their smear of Brett Kavanaugh.", ("Democrats", "opposes", "Brett Kavanaugh")),
    ],
)
def test_sides_taken_with_against_and_for_pardons_and_smears(text, expected):
    assert expected in relations_in(text)


def test_a_danger_warned_against_is_no_side():
    assert not relations_in("Angela Merkel warned against Russia's influence.")


def test_it_stands_for_the_country_or_organization_named_before():
    text = "Russia intervened in the war in 2015. It did so in concert with the Syrian Arab Army, Iran and Hezbollah."
    assert ("Russia", "supports", "Hezbollah") in relations_in(text)
