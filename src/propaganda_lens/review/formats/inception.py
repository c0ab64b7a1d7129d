"""INCEpTION: UIMA CAS XMI (XML 1.0) through dkpro-cassis, with a custom span layer for the techniques.

Export writes a ZIP holding `TypeSystem.xml` (the layer `webanno.custom.PropagandaTechnique` with the string
feature `Technique`) and one `article<ID>.xmi` per article, the text as its sofa and the model's spans as
annotations of that layer. INCEpTION imports the type system as a layer (Project settings > Layers > Import) and
each `.xmi` file as a document (format "UIMA CAS XMI (XML 1.0)"); it adds sentences and tokens itself.

Import reads what INCEpTION exports in that format: one document's ZIP (`<name>.xmi` and `TypeSystem.xml`), a
project export (`annotation/<document>/<user>.zip`, each user's ZIP naming the reviewer), a bare `.xmi`, or the
ZIP written here. The article id comes from the document's name (`article<ID>.xmi`). UIMA counts offsets in
UTF-16 code units; cassis converts them to and from code points on load and save. Layers allow overlapping spans.
"""

from __future__ import annotations

import io
import posixpath
import re
import warnings
import zipfile
import zlib
from dataclasses import replace
from pathlib import Path

from cassis import Cas, TypeSystem, load_cas_from_xmi, load_typesystem

from propaganda_lens.files import atomic_path
from propaganda_lens.review.formats.base import (
    FILE_NAME_ID, Annotated, FormatError, ReviewTask, technique_span, unique_spans,
)

LAYER, FEATURE = "webanno.custom.PropagandaTechnique", "Technique"
TYPE_SYSTEM_NAME = "TypeSystem.xml"
UNMAPPED = re.compile(r"Not mapping external offset \[(-?\d+)\]")
INITIAL_CAS = "INITIAL_CAS"  # INCEpTION's pseudo-user for a document as imported, before anyone annotated it


def type_system() -> TypeSystem:
    """The UIMA type system of the technique layer."""
    system = TypeSystem()
    layer = system.create_type(LAYER, supertypeName="uima.tcas.Annotation",
                               description="A propaganda technique (SemEval-2020 Task 11) on a span of text")
    system.create_feature(layer, FEATURE, "uima.cas.String", description="The technique's PTC label")
    return system


def cas_of(task: ReviewTask, system: TypeSystem) -> Cas:
    cas = Cas(typesystem=system)
    cas.sofa_string = task.text
    layer = system.get_type(LAYER)
    for span in task.spans:
        if span.technique:
            cas.add(layer(begin=span.start, end=span.end, **{FEATURE: span.technique}))
    return cas


def export(tasks: list[ReviewTask], out: Path) -> None:
    unfit = next((task.article for task in tasks if not FILE_NAME_ID.fullmatch(task.article)), None)
    if unfit is not None:
        raise FormatError(f"article id {unfit!r} cannot name an XMI document")
    system = type_system()
    with atomic_path(out) as temporary, zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(TYPE_SYSTEM_NAME, system.to_xml())
        for task in tasks:
            archive.writestr(f"article{task.article}.xmi", cas_of(task, system).to_xmi())


def article_of(name: str) -> str:
    """The article id in a document's name: `article12.xmi` (or `12.xmi`) names article 12."""
    stem = posixpath.basename(name)
    while stem.lower().endswith((".xmi", ".txt", ".zip")):
        stem = stem[:-4]
    return stem.removeprefix("article") or stem


def annotated_of(data: bytes, system: TypeSystem, article: str, reviewer: str, where: str,
                 problems: list[str]) -> Annotated | None:
    """One XMI document's technique spans; a document that cannot be read adds a line to `problems`."""
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            cas = load_cas_from_xmi(io.BytesIO(data), typesystem=system, lenient=True)
        text = cas.sofa_string
    except Exception as error:  # cassis and lxml raise many kinds on a broken document  # noqa: BLE001
        problems.append(f"{where}: not a readable UIMA CAS XMI document ({type(error).__name__}: {error}); left out")
        return None
    if not isinstance(text, str):
        problems.append(f"{where}: the document has no text; left out")
        return None
    if not system.contains_type(LAYER):
        problems.append(f"{where}: its type system has no {LAYER} layer; left out")
        return None
    # cassis keeps a UTF-16 offset it cannot convert (inside a character, or past the text) as it is, with a
    # warning: a span at such a value is left out (in a text with characters outside the BMP, a sound span at the
    # same code point value goes with it; only a broken document has such offsets).
    unmapped = {int(found) for warning in caught for found in UNMAPPED.findall(str(warning.message))}
    spans = []
    for annotation in cas.select(LAYER):
        try:
            wrong = unmapped & {annotation.begin, annotation.end}
            if wrong:
                raise ValueError(f"UIMA offset {min(wrong)} falls inside a character or outside the text")
            label = getattr(annotation, FEATURE, None)
            spans.append(technique_span(annotation.begin, annotation.end, label, len(text)))
        except ValueError as error:
            problems.append(f"{where}: {error}; left out")
    return Annotated(article, text, unique_spans(spans), reviewer)


def system_in(archive: zipfile.ZipFile, folder: str, where: str, problems: list[str]) -> TypeSystem:
    """The type system stored beside a folder's XMI documents, or the technique layer's own."""
    name = next((name for name in archive.namelist()
                 if posixpath.dirname(name) == folder and posixpath.basename(name).lower() == "typesystem.xml"), None)
    if name is None:
        return type_system()
    try:
        return load_typesystem(io.BytesIO(archive.read(name)))
    except Exception as error:  # noqa: BLE001 - as for documents
        problems.append(f"{where}/{name}: not a readable UIMA type system ({error}); the technique layer's own is used")
        return type_system()


def annotated_in_zip(archive: zipfile.ZipFile, where: str, reviewer: str, problems: list[str]) -> list[Annotated]:
    """The documents of a ZIP: its `.xmi` files, or in a project export only each user's annotated documents
    (`annotation/<document>/<user>.zip`; the uploaded originals under `source/` are not a review)."""
    names = sorted(archive.namelist())
    project = any(posixpath.basename(name).startswith("exportedproject") and name.endswith(".json") for name in names)
    annotated = []
    for name in names:
        parent = posixpath.dirname(name)
        if name.lower().endswith(".xmi") and not project:
            item = annotated_of(archive.read(name), system_in(archive, parent, where, problems), article_of(name),
                                reviewer, f"{where}:{name}", problems)
            annotated += [item] if item else []
        elif project and name.lower().endswith(".zip") and posixpath.dirname(parent) == "annotation":
            user = posixpath.basename(name)[:-4]
            if user == INITIAL_CAS:
                continue
            try:
                with zipfile.ZipFile(io.BytesIO(archive.read(name))) as inner:
                    annotated += [replace(item, article=article_of(parent))
                                  for item in annotated_in_zip(inner, f"{where}:{name}", user, problems)]
            except zipfile.BadZipFile as error:
                problems.append(f"{where}:{name}: not a readable ZIP file ({error}); left out")
    return annotated


def import_file(path: Path) -> tuple[list[Annotated], list[str]]:
    problems: list[str] = []
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                if not any(name.lower().endswith((".xmi", ".zip")) for name in archive.namelist()):
                    raise FormatError(f"{path} holds no UIMA CAS XMI document")
                annotated = annotated_in_zip(archive, str(path), "", problems)
        else:
            item = annotated_of(Path(path).read_bytes(), type_system(), article_of(Path(path).name), "", str(path),
                                problems)
            if item is None:  # a lone document that cannot be read: the whole file is not the format
                raise FormatError(problems.pop().removesuffix("; left out"))
            annotated = [item]
    except OSError as error:
        raise FormatError(f"cannot read {path}: {error.strerror or error}") from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, RuntimeError, NotImplementedError, EOFError) as error:
        raise FormatError(f"{path} is not a readable ZIP file: {error}") from None
    return annotated, problems
