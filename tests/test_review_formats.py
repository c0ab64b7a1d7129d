"""Round trips with annotation tools (Label Studio, INCEpTION through dkpro-cassis, doccano, PTC): offsets stay code
points into the text, overlapping spans survive, a bad item is one line and the rest is imported, and a file that is
not the format is one message. The real Label Studio round trip is in test_label_studio_live.py."""

import json
import re
import zipfile

import pytest
from cassis import load_cas_from_xmi, load_typesystem
from hypothesis import given, settings
from hypothesis import strategies as st

from propaganda_lens.data import TECHNIQUES, Correction, Span, text_sha256
from propaganda_lens.review.corrections import reviewed_spans
from propaganda_lens.review.formats import (
    FORMATS, Annotated, FormatError, ReviewTask, corrections_from_annotation, export_tasks, import_annotations,
)
from propaganda_lens.review.formats import inception, label_studio
from propaganda_lens.review.formats.offsets import Utf16Offsets
from propaganda_lens.review.formats.ptc import articles_folder

LOADED, NAME, DOUBT, FEAR = "Loaded_Language", "Name_Calling,Labeling", "Doubt", "Appeal_to_fear-prejudice"
# Characters outside the Basic Multilingual Plane before the spans: two UTF-16 code units each, one code point.
TEXT = "😀 They are 𝕏 traitors, and the corrupt elites will destroy our nation."
TRAITORS, ELITES = TEXT.index("traitors"), TEXT.index("corrupt elites")
MODEL = [Span(TRAITORS, TRAITORS + 8, NAME, 0.9), Span(TRAITORS, TRAITORS + 8, LOADED, 0.4),  # stacked
         Span(ELITES, ELITES + 14, NAME, 0.7), Span(ELITES + 8, ELITES + 21, FEAR, 0.2)]  # overlapping
TASK = ReviewTask("12", TEXT, MODEL, "model-v1")


def texts(article):
    return TEXT if article == "12" else None


def plain(spans):
    return [(span.start, span.end, span.technique) for span in spans]


@pytest.mark.parametrize("format", FORMATS)
def test_every_format_round_trips_the_model_spans_with_code_point_offsets_and_overlaps(tmp_path, format):
    out = tmp_path / "tasks"
    export_tasks(format, [TASK], out)
    if format == "label-studio":  # tasks carry the spans as predictions; an annotation is what comes back
        tasks = json.loads(out.read_text(encoding="utf-8"))
        tasks[0]["annotations"] = [{"id": 1, "completed_by": 3, "result": tasks[0]["predictions"][0]["result"]}]
        out.write_text(json.dumps(tasks), encoding="utf-8")
    annotated, problems = import_annotations(format, out, texts)
    assert problems == []
    assert [(item.article, item.text) for item in annotated] == [("12", TEXT)]
    assert sorted(plain(annotated[0].spans)) == sorted(plain(MODEL))
    assert corrections_from_annotation(MODEL, annotated[0].spans, "ana", "t") == sorted(
        [Correction("accept", span.start, span.end, span.technique, span.technique, "ana", "t") for span in MODEL],
        key=lambda item: (item.start, item.end, item.technique))


def test_utf16_offsets_count_two_units_for_a_character_outside_the_bmp():
    offsets = Utf16Offsets(TEXT)
    assert offsets.to_units(TRAITORS) == len(TEXT[:TRAITORS].encode("utf-16-le")) // 2 == TRAITORS + 2
    assert offsets.to_points(TRAITORS + 2) == TRAITORS
    with pytest.raises(ValueError, match="inside a character"):
        offsets.to_points(1)  # between the two halves of 😀
    with pytest.raises(ValueError, match="outside the text"):
        offsets.to_points(len(TEXT) + 3)


def test_label_studio_tasks_carry_the_text_its_hash_the_config_names_and_utf16_offsets(tmp_path):
    export_tasks("label-studio", [TASK], tmp_path / "tasks.json")
    task = json.loads((tmp_path / "tasks.json").read_text(encoding="utf-8"))[0]
    assert task["data"] == {"text": TEXT, "article": "12", "text_sha256": text_sha256(TEXT)}
    prediction = task["predictions"][0]
    assert prediction["model_version"] == "model-v1" and prediction["score"] == 0.2
    region = prediction["result"][0]
    assert (region["from_name"], region["to_name"], region["type"]) == ("technique", "text", "labels")
    assert region["value"] == {"start": TRAITORS + 2, "end": TRAITORS + 10, "text": "traitors", "labels": [NAME]}
    assert region["score"] == 0.9
    # JavaScript's slice of the text by these offsets is the span's text.
    assert TEXT.encode("utf-16-le")[2 * region["value"]["start"]:2 * region["value"]["end"]].decode("utf-16-le") \
        == "traitors"
    config = label_studio.labelling_config()
    assert '<Labels name="technique" toName="text">' in config and '<Text name="text" value="$text"/>' in config
    assert re.findall(r'<Label value="([^"]+)"/>', config) == list(TECHNIQUES)


def label_studio_export(annotations, text=TEXT):
    return [{"id": 1, "data": {"text": text, "article": "12"}, "annotations": annotations}]


def region(start, end, label, kind="labels", name="technique"):
    return {"from_name": name, "to_name": "text", "type": kind,
            "value": {"start": start, "end": end, "labels": [label]}}


def test_label_studio_import_takes_the_latest_annotation_that_was_not_cancelled(tmp_path):
    path = tmp_path / "export.json"
    path.write_text(json.dumps(label_studio_export([
        {"id": 1, "completed_by": {"id": 4, "email": "ana@example.org"}, "updated_at": "2026-12-01T10:00:00Z",
         "result": [region(TRAITORS + 2, TRAITORS + 10, NAME)]},
        {"id": 2, "completed_by": 5, "updated_at": "2026-12-02T10:00:00Z", "was_cancelled": False,
         "result": [region(TRAITORS + 2, TRAITORS + 10, LOADED)]},
        {"id": 3, "completed_by": 6, "updated_at": "2026-12-03T10:00:00Z", "was_cancelled": True, "result": []},
    ])), encoding="utf-8")
    annotated, problems = import_annotations("label-studio", path, texts)
    assert problems == [] and annotated == [Annotated("12", TEXT, [Span(TRAITORS, TRAITORS + 8, LOADED)], "5")]
    path.write_text(json.dumps(label_studio_export([{"completed_by": {"id": 4, "email": "ana@example.org"},
                                                     "result": []}])), encoding="utf-8")
    assert import_annotations("label-studio", path, texts)[0][0].reviewer == "ana@example.org"


def test_label_studio_bad_regions_are_one_line_each_and_the_rest_is_imported(tmp_path):
    path = tmp_path / "export.json"
    path.write_text(json.dumps(label_studio_export([{"completed_by": 1, "result": [
        region(TRAITORS + 2, TRAITORS + 10, NAME),
        region(1, 5, NAME),  # starts inside 😀
        region(TRAITORS + 2, 500, NAME),
        region(TRAITORS + 2, TRAITORS + 10, "Sarcasm"),
        region(0, 1, "positive", kind="choices", name="sentiment"),
        region("3", 5, NAME),
    ]}]) + [{"data": {"text": TEXT}}, {"data": {"text": TEXT, "article": ["12"]}},
            {"data": {"text": TEXT, "article": 12}, "annotations": [{"completed_by": 1, "result": []}]}]),
        encoding="utf-8")
    annotated, problems = import_annotations("label-studio", path, texts)
    assert plain(annotated[0].spans) == [(TRAITORS, TRAITORS + 8, NAME)]
    assert [item.article for item in annotated] == ["12", "12"]  # an integer id is read as its digits
    assert problems[6].startswith("task 3: needs data.text and data.article")
    del problems[6]
    assert len(problems) == 6, problems
    assert "region 2: UTF-16 offset 1 falls inside a character" in problems[0]
    assert "region 3: offset 500 lies outside the text" in problems[1]
    assert "unknown technique 'Sarcasm'" in problems[2] and "not a 'technique' labels region" in problems[3]
    assert "offsets must be integers" in problems[4] and problems[5].startswith("task 2: needs data.text")


def test_inception_xmi_counts_utf16_and_cassis_reads_code_points_back(tmp_path):
    out = tmp_path / "inception.zip"
    export_tasks("inception", [TASK], out)
    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == ["TypeSystem.xml", "article12.xmi"]
        xmi = archive.read("article12.xmi")
        # INCEpTION's layer import reads a file that starts with an XML declaration as a UIMA type system.
        assert archive.read("TypeSystem.xml").startswith(b"<?xml")
        system = load_typesystem(archive.read("TypeSystem.xml").decode("utf-8"))
    assert system.get_type(inception.LAYER).get_feature(inception.FEATURE).rangeType.name == "uima.cas.String"
    assert f'begin="{TRAITORS + 2}" end="{TRAITORS + 10}"'.encode() in xmi  # UIMA's offsets are UTF-16 units
    cas = load_cas_from_xmi(xmi.decode("utf-8"), typesystem=system)
    found = sorted((item.begin, item.end, item.Technique) for item in cas.select(inception.LAYER))
    assert found == sorted(plain(MODEL)) and cas.sofa_string == TEXT
    assert next(item.get_covered_text() for item in cas.select(inception.LAYER)) == "traitors"


def test_inception_reads_a_project_export_with_one_zip_per_user(tmp_path):
    """INCEpTION's project export in XMI: annotation/<document>/<user>.zip, each a document export."""
    system = inception.type_system()
    edited = ReviewTask("12", TEXT, [Span(ELITES, ELITES + 14, LOADED)])

    def document_zip(task):
        inner = tmp_path / "inner.zip"
        with zipfile.ZipFile(inner, "w") as archive:
            archive.writestr("TypeSystem.xml", system.to_xml())
            archive.writestr("article12.xmi", inception.cas_of(task, system).to_xmi())
        return inner.read_bytes()

    path = tmp_path / "project.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("exportedproject.json", "{}")
        archive.writestr("source/article12.xmi", inception.cas_of(TASK, system).to_xmi())  # as uploaded: no review
        archive.writestr("annotation/article12.xmi/INITIAL_CAS.zip", document_zip(TASK))
        archive.writestr("annotation/article12.xmi/ana.zip", document_zip(edited))
        archive.writestr("annotation/article12.xmi/ben.zip", b"not a zip")
    annotated, problems = import_annotations("inception", path, texts)
    assert annotated == [Annotated("12", TEXT, [Span(ELITES, ELITES + 14, LOADED)], "ana")]
    assert len(problems) == 1 and "ben.zip: not a readable ZIP file" in problems[0]


def test_inception_bad_annotations_and_documents_are_one_line_each(tmp_path):
    system = inception.type_system()
    cas = inception.cas_of(TASK, system)
    layer = system.get_type(inception.LAYER)
    cas.add(layer(begin=0, end=3, Technique="Sarcasm"))
    cas.add(layer(begin=3, end=6))
    inside = inception.cas_of(ReviewTask("14", TEXT, [Span(0, TRAITORS, DOUBT), Span(ELITES, ELITES + 14, NAME)]),
                              system).to_xmi().replace('begin="0"', 'begin="1"')  # inside 😀's two UTF-16 units
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("article12.xmi", cas.to_xmi())
        archive.writestr("article13.xmi", "<xmi:XMI broken")
        archive.writestr("article14.xmi", inside)
    annotated, problems = import_annotations("inception", path, texts)
    assert sorted(plain(annotated[0].spans)) == sorted(plain(MODEL))
    assert plain(annotated[1].spans) == [(ELITES, ELITES + 14, NAME)]
    assert len(problems) == 4, problems
    assert "unknown technique 'Sarcasm'" in problems[0] and "has no technique" in problems[1]
    assert "article13.xmi: not a readable UIMA CAS XMI document" in problems[2]
    assert "article14.xmi: UIMA offset 1 falls inside a character" in problems[3]


def test_doccano_jsonl_keeps_the_article_and_hash_and_counts_utf16(tmp_path):
    out = tmp_path / "doccano.jsonl"
    export_tasks("doccano", [TASK], out)
    line = json.loads(out.read_text(encoding="utf-8"))
    assert line["article"] == "12" and line["text_sha256"] == text_sha256(TEXT)
    assert [TRAITORS + 2, TRAITORS + 10, NAME] in line["label"]


def test_doccano_export_zip_names_the_reviewer_per_file(tmp_path):
    """doccano's export: a ZIP of <user>.jsonl, with the example's metadata back at the top level."""
    offsets = Utf16Offsets(TEXT)
    line = {"id": 9, "text": TEXT, "article": "12", "text_sha256": text_sha256(TEXT), "Comments": [],
            "label": [[offsets.to_units(ELITES), offsets.to_units(ELITES + 14), LOADED], [0, 1, NAME], [2, 3]]}
    path = tmp_path / "doccano.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("ana.jsonl", json.dumps(line) + "\n\n{broken\n")
        archive.writestr("all.jsonl", json.dumps(line))
    annotated, problems = import_annotations("doccano", path, texts)
    assert [item.reviewer for item in annotated] == ["", "ana"]
    assert plain(annotated[1].spans) == [(ELITES, ELITES + 14, LOADED)]
    assert len(problems) == 5, problems  # two bad labels in each file, and one line that is not JSON
    assert "ana.jsonl:1 (article '12'), label 2: UTF-16 offset 1 falls inside a character" in problems[2]
    assert "label 3: a label is [start, end, technique]" in problems[3] and "ana.jsonl:3: not JSON" in problems[4]


def test_ptc_writes_labels_and_article_texts_and_reads_with_stored_texts(tmp_path):
    out = tmp_path / "review.labels"
    export_tasks("ptc", [TASK], out)
    assert (articles_folder(out) / "article12.txt").read_bytes() == TEXT.encode("utf-8")
    assert f"12\t{NAME}\t{TRAITORS}\t{TRAITORS + 8}\n" in out.read_text(encoding="utf-8")
    with out.open("a", encoding="utf-8") as handle:
        handle.write(f"12\tSarcasm\t0\t4\n12\t{NAME}\t0\t500\n13\t{NAME}\t0\t4\nnot a row\n")
    annotated, problems = import_annotations("ptc", out, texts)
    assert sorted(plain(annotated[0].spans)) == sorted(plain(MODEL)) and annotated[0].reviewer == ""
    assert len(problems) == 4, problems
    assert "unknown technique 'Sarcasm'" in problems[0] and "expected 3 or 4 tab-separated columns" in problems[1]
    assert "lies outside the text" in problems[2] and "article '13' has no stored text" in problems[3]
    with pytest.raises(FormatError, match="cannot name a PTC label row"):
        export_tasks("ptc", [ReviewTask("12\n", TEXT, [])], tmp_path / "bad.labels")
    with pytest.raises(FormatError, match="cannot name an XMI document"):
        export_tasks("inception", [ReviewTask("../12", TEXT, [])], tmp_path / "bad.zip")


def test_corrections_from_an_annotation_accept_relabel_reject_and_add():
    annotated = [Span(TRAITORS, TRAITORS + 8, NAME),  # accepted; the stacked Loaded_Language is rejected
                 Span(ELITES, ELITES + 14, LOADED),  # relabelled
                 Span(0, 1, DOUBT)]  # added (the emoji)
    corrections = corrections_from_annotation(MODEL, annotated, "ana", "2026-12-04T21:00:00Z")
    assert [(item.action, item.start, item.technique, item.model_technique) for item in corrections] == [
        ("add", 0, DOUBT, None), ("reject", TRAITORS, LOADED, LOADED), ("accept", TRAITORS, NAME, NAME),
        ("relabel", ELITES, LOADED, NAME), ("reject", ELITES + 8, FEAR, FEAR)]
    assert {(item.reviewer, item.time) for item in corrections} == {("ana", "2026-12-04T21:00:00Z")}
    assert sorted(plain(reviewed_spans(MODEL, corrections))) == sorted(plain(annotated))


def test_a_file_that_is_not_the_format_is_one_message(tmp_path):
    path = tmp_path / "file"
    path.write_bytes(b"\xff\xfe not text")
    for format in FORMATS:
        with pytest.raises(FormatError) as raised:
            import_annotations(format, path, texts)
        assert "\n" not in str(raised.value) and str(path) in str(raised.value)
    with pytest.raises(FormatError, match="cannot read"):
        import_annotations("doccano", tmp_path / "missing.jsonl", texts)
    with pytest.raises(ValueError, match="unknown review format 'brat'"):
        import_annotations("brat", path, texts)


JSON = st.recursive(st.none() | st.booleans() | st.integers(-5, 200) | st.floats(allow_nan=False) | st.text(max_size=8)
                    | st.sampled_from([NAME, LOADED, "technique", "labels", "text"]),
                    lambda children: st.lists(children, max_size=4) | st.dictionaries(
                        st.sampled_from(["data", "text", "article", "annotations", "result", "value", "start", "end",
                                         "labels", "type", "from_name", "label", "completed_by", "was_cancelled"]),
                        children, max_size=5), max_leaves=25)


def imports_or_says_why(format, path):
    try:
        annotated, problems = import_annotations(format, path, texts)
    except FormatError as error:
        assert str(error) and "\n" not in str(error)
        return
    assert all(isinstance(problem, str) and "\n" not in problem for problem in problems)
    for item in annotated:
        assert all(span.end <= len(item.text) and span.technique in TECHNIQUES for span in item.spans)


@settings(max_examples=60, deadline=None)
@given(data=JSON)
def test_label_studio_import_of_any_json_never_raises_past_one_message(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("ls") / "export.json"
    path.write_text(json.dumps(label_studio_export([data]) if isinstance(data, dict) else data), encoding="utf-8")
    imports_or_says_why("label-studio", path)


@settings(max_examples=60, deadline=None)
@given(lines=st.lists(JSON, max_size=4), raw=st.binary(max_size=40))
def test_doccano_import_of_any_lines_never_raises_past_one_message(tmp_path_factory, lines, raw):
    folder = tmp_path_factory.mktemp("doccano")
    (folder / "a.jsonl").write_text("\n".join(json.dumps(line) for line in lines), encoding="utf-8")
    (folder / "b.jsonl").write_bytes(raw)
    imports_or_says_why("doccano", folder / "a.jsonl")
    imports_or_says_why("doccano", folder / "b.jsonl")


@settings(max_examples=60, deadline=None)
@given(raw=st.binary(max_size=60), rows=st.lists(st.tuples(st.sampled_from(["12", "13", ""]), st.sampled_from(
    [NAME, "?", "Sarcasm", ""]), st.integers(-3, 90), st.integers(-3, 90)), max_size=5))
def test_ptc_import_of_any_bytes_or_rows_never_raises_past_one_message(tmp_path_factory, raw, rows):
    folder = tmp_path_factory.mktemp("ptc")
    (folder / "raw.labels").write_bytes(raw)
    (folder / "rows.labels").write_text("".join("\t".join(map(str, row)) + "\n" for row in rows), encoding="utf-8")
    imports_or_says_why("ptc", folder / "raw.labels")
    imports_or_says_why("ptc", folder / "rows.labels")


@settings(max_examples=40, deadline=None)
@given(raw=st.binary(max_size=80), xmi=st.text(max_size=60), begin=st.integers(-2, 90), end=st.integers(-2, 90))
def test_inception_import_of_any_bytes_or_document_never_raises_past_one_message(tmp_path_factory, raw, xmi, begin,
                                                                                 end):
    folder = tmp_path_factory.mktemp("inception")
    (folder / "raw.xmi").write_bytes(raw)
    imports_or_says_why("inception", folder / "raw.xmi")
    xml = inception.cas_of(TASK, inception.type_system()).to_xmi().replace(
        f'begin="{TRAITORS + 2}"', f'begin="{begin}"', 1).replace(f'end="{TRAITORS + 10}"', f'end="{end}"', 1)
    with zipfile.ZipFile(folder / "export.zip", "w") as archive:
        archive.writestr("article12.xmi", xml)
        archive.writestr("article13.xmi", xmi)
        archive.writestr("TypeSystem.xml", raw)
    imports_or_says_why("inception", folder / "export.zip")


SPANS = st.lists(st.tuples(st.integers(0, 6), st.integers(1, 4), st.sampled_from([NAME, LOADED, DOUBT])),
                 max_size=8).map(lambda items: [Span(start, start + length, label)
                                                for start, length, label in sorted(set(items))])


@settings(max_examples=200, deadline=None)
@given(model=SPANS, annotated=SPANS)
def test_the_corrections_of_an_annotation_applied_to_the_model_spans_give_the_annotation(model, annotated):
    corrections = corrections_from_annotation(model, annotated, "ana", "t")
    assert sorted(plain(reviewed_spans(model, corrections))) == sorted(plain(annotated))
    assert len([item for item in corrections if item.action != "add"]) == len(model)  # one decision per model span
