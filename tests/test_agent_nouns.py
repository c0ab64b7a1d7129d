"""The agent noun table: built from the Phoenix agents dictionary by tools/build_agent_nouns.py, and read by the
actors stage to tell a country's state agents ("Russian diplomats") from non-state ones ("Syrian rebels")."""

import sys
from pathlib import Path

import pytest

from propaganda_lens.actors.agents import agent_roles, is_non_state_agent, is_state_agent
from propaganda_lens.actors.relation_model import relation_head

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
import build_agent_nouns  # noqa: E402
from conftest import actors_and_relations, shared  # noqa: E402


def named_by_the_product(text: str) -> tuple[set[str], set[tuple[str, str, str]]]:
    """The actor names and the (source, polarity, target) relations of the product: rules and shipped head."""
    actors, relations = actors_and_relations(text, relation_head())
    return actors, {relation[:3] for relation in relations}


def test_the_shipped_table_is_what_the_build_script_makes():
    dictionaries = shared(build_agent_nouns.DICTIONARIES, "the CAMEO dictionaries")
    assert build_agent_nouns.TABLE.read_text(encoding="utf-8") == build_agent_nouns.build(dictionaries)


def test_the_build_expands_substitution_sets_and_keeps_irregular_plurals():
    dictionary = "!PERSON! = MAN, MEN\nPOLICE!PERSON!  [~COP]\nTHIEF {THIEVES} [~CRM]\nGOVERNMENT_FORCES [~MIL]\n"
    assert build_agent_nouns.rows(dictionary) == [
        ("policeman", "COP", "COP"), ("policemen", "COP", "COP"), ("thief", "CRM", "CRM"), ("thieves", "CRM", "CRM"),
    ]  # multi-word agents are left out


def test_roles_of_the_field_dictionary():
    assert agent_roles()["rebel"] == {"REB"} and agent_roles()["jihadist"] == {"UAF"}
    assert is_state_agent("diplomat") and is_state_agent("troop") and is_state_agent("police")
    assert is_non_state_agent("rebel") and is_non_state_agent("militia") and is_non_state_agent("dissident")
    assert not is_state_agent("journalist") and not is_non_state_agent("journalist")  # media: neither


@pytest.mark.parametrize(
    "text, country",
    [
        ("Syrian rebels attacked Russian troops near Idlib.", "Syria"),
        ("Libya's militias fought Egyptian forces.", "Libya"),
        ("Palestinian terrorists attacked Israel.", "Palestine"),
    ],
)
def test_a_country_before_a_non_state_agent_is_named_but_takes_no_side(text, country):
    actors, relations = named_by_the_product(text)
    assert country in actors  # the article still names it
    assert not any(country in (source, target) for source, _, target in relations)


def test_a_country_before_a_state_agent_stands_for_the_country():
    _, relations = named_by_the_product("Russian diplomats condemned Britain on Monday.")
    assert ("Russia", "opposes", "United Kingdom") in relations
