"""The technique catalogue: one name, definition, example and colour per technique, used by every output."""

from __future__ import annotations

from dataclasses import dataclass

from propaganda_lens.data import TECHNIQUES


@dataclass(frozen=True, slots=True)
class Technique:
    """How one SemEval-2020 Task 11 technique is presented to readers."""

    label: str
    name: str
    definition: str
    example: str
    color: str


_ENTRIES = (
    Technique(
        "Appeal_to_Authority",
        "Appeal to authority",
        "Presents a claim as true because an expert, official or famous person said so, "
        "instead of giving evidence for it.",
        "“Top scientists agree the plan will work, so there is nothing to discuss.”",
        "#1f77b4",
    ),
    Technique(
        "Appeal_to_fear-prejudice",
        "Appeal to fear or prejudice",
        "Builds support for an idea by stirring up anxiety or panic about an alternative, "
        "or by playing on the audience's existing biases.",
        "“If this law passes, criminals will be walking into your home next.”",
        "#d62728",
    ),
    Technique(
        "Bandwagon,Reductio_ad_hitlerum",
        "Bandwagon or reductio ad Hitlerum",
        "Urges the reader to join in because everyone else does, or rejects an idea because "
        "a despised group supports it.",
        "“Millions have already signed up; don't be the one left behind.”",
        "#8c564b",
    ),
    Technique(
        "Black-and-White_Fallacy",
        "Black-and-white fallacy",
        "Offers two options as the only possible ones when more exist, often with one of them "
        "plainly unacceptable.",
        "“Either you support the war or you side with the terrorists.”",
        "#9467bd",
    ),
    Technique(
        "Causal_Oversimplification",
        "Causal oversimplification",
        "Pins a complex outcome on a single cause, ignoring the other factors behind it.",
        "“Prices went up because the new mayor took office.”",
        "#e377c2",
    ),
    Technique(
        "Doubt",
        "Doubt",
        "Questions the credibility of a person, group or institution without offering evidence.",
        "“Can we really trust a minister who has never run a business?”",
        "#7f7f7f",
    ),
    Technique(
        "Exaggeration,Minimisation",
        "Exaggeration or minimisation",
        "Makes something look far bigger, better or worse than it is, or plays down something serious.",
        "“It was the greatest speech in the history of the world.”",
        "#bcbd22",
    ),
    Technique(
        "Flag-Waving",
        "Flag-waving",
        "Justifies an idea by appealing to patriotism or group identity rather than to its merits.",
        "“Real patriots will stand behind our troops on this.”",
        "#17becf",
    ),
    Technique(
        "Loaded_Language",
        "Loaded language",
        "Uses words chosen for their emotional charge, to sway the reader's feelings rather than inform.",
        "“a shameful, disastrous betrayal”",
        "#ff7f0e",
    ),
    Technique(
        "Name_Calling,Labeling",
        "Name calling or labeling",
        "Attaches an insulting or admiring label to a person or group, so the label does the arguing.",
        "“the radical extremists in parliament”",
        "#2ca02c",
    ),
    Technique(
        "Repetition",
        "Repetition",
        "Repeats the same message or phrase again and again so that it sticks and feels true.",
        "“Jobs, jobs, jobs — this plan means jobs.”",
        "#aec7e8",
    ),
    Technique(
        "Slogans",
        "Slogans",
        "A short, catchy phrase that stands in for an argument, often with labels or stereotypes.",
        "“Take back control!”",
        "#ffbb78",
    ),
    Technique(
        "Thought-terminating_Cliches",
        "Thought-terminating cliché",
        "A stock phrase that shuts down thinking or debate instead of answering the point.",
        "“It is what it is.”",
        "#98df8a",
    ),
    Technique(
        "Whataboutism,Straw_Men,Red_Herring",
        "Whataboutism, straw man or red herring",
        "Deflects criticism by pointing at an opponent's faults, attacks a distorted version of the "
        "opponent's view, or drags in an unrelated topic.",
        "“Why talk about our budget overrun when the other party wasted far more?”",
        "#c5b0d5",
    ),
)

CATALOGUE: dict[str, Technique] = {entry.label: entry for entry in _ENTRIES}
assert tuple(CATALOGUE) == TECHNIQUES, "the catalogue must list every technique, in TECHNIQUES order"


def explain(
    technique: str, probability: float | None, precision: float | None = None, cue_words: tuple[str, ...] = ()
) -> str:
    """Why a span was marked, for a reader: the technique's definition, this span's probability beside how
    often the model's spans of this technique match annotators', and the words that weighed most."""
    entry = CATALOGUE[technique]
    parts = [f"{entry.name}: {entry.definition}"]
    if probability is not None:
        judged = f"The model gives this passage {probability:.0%}"
        if precision is not None:
            judged += (f"; of the passages it marks as {entry.name} in the annotated test articles (PTC dev), "
                       f"{precision:.0%} were marked so by the annotators too")
        parts.append(judged + ".")
    if cue_words:
        parts.append("Words that weighed most: " + ", ".join(f"“{word}”" for word in cue_words) + ".")
    return " ".join(parts)
