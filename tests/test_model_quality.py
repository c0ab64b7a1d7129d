"""The shipped model as a reader meets it, on a sample of PTC dev: quality floors, calibration bounds and
span boundaries (the full figures come from `propaganda-lens evaluate-model`)."""

import pytest

from propaganda_lens.api import default_detector
from propaganda_lens.detect.detector import SHIPPED_MODELS
from propaganda_lens.train.evaluation import reader_measures
from propaganda_lens.train.examples import Split, load_split

SAMPLE = 25  # dev articles, in id order


@pytest.fixture(scope="module", params=[shipped.name for shipped in SHIPPED_MODELS])
def measures(request, ptc_folder) -> dict[str, float]:
    dev = load_split(ptc_folder, "dev")
    ids = sorted(dev.articles)[:SAMPLE]
    sample = Split({i: dev.articles[i] for i in ids}, {i: dev.si[i] for i in ids}, {i: dev.techniques[i] for i in ids})
    measures, _ = reader_measures(default_detector(request.param), sample)
    return measures


def test_quality_floors(measures):
    assert measures["si_f1"] >= 0.35
    assert measures["tc_f1"] >= 0.50
    # On all of dev the boundary rules cost 0.2 points (0.3905 -> 0.3882); a sample of 25 varies more.
    assert measures["si_f1"] >= measures["si_f1_without_boundary_rules"] - 0.02


def test_calibration_bounds(measures):
    # Today's model overstates its technique probabilities (ECE 0.175 on all of dev); these bounds catch a
    # regression until calibrated models ship.
    assert measures["ece_technique_on_gold_spans"] <= 0.22
    assert measures["ece_predicted_spans"] <= 0.15


def test_span_boundaries(measures):
    assert measures["function_word_ends"] <= 0.02
    assert measures["median_span_chars"] <= 1.5 * measures["median_gold_span_chars"]
