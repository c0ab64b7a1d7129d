"""The `propaganda-lens` command line."""

from __future__ import annotations

import os
from contextlib import ExitStack
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from propaganda_lens.cli.app import app
from propaganda_lens.cli.common import (
    AllowPrivateOption, ModelOption, PlainUsage, check_encoding, fail, load_detector, report_problems, stderr, stdout,
    with_progress,
)
from propaganda_lens.files import atomic_writer
from propaganda_lens.ingest.fetch import MAX_BYTES
from propaganda_lens.ingest.sources import InputFormat


class ReportFormat(str, Enum):
    text = "text"
    json = "json"
    html = "html"
    semeval = "semeval"
    graphml = "graphml"
    gexf = "gexf"


SUFFIX_REPORT_FORMATS = {
    ".html": ReportFormat.html,
    ".htm": ReportFormat.html,
    ".json": ReportFormat.json,
    ".jsonl": ReportFormat.json,
    ".labels": ReportFormat.semeval,
    ".txt": ReportFormat.text,
    ".graphml": ReportFormat.graphml,
    ".gexf": ReportFormat.gexf,
}


REPORT_SUFFIXES = {ReportFormat.text: ".txt", ReportFormat.json: ".json", ReportFormat.html: ".html",
                   ReportFormat.semeval: ".labels", ReportFormat.graphml: ".graphml", ReportFormat.gexf: ".gexf"}


ONE_PER_FILE = (ReportFormat.html, ReportFormat.text, ReportFormat.graphml, ReportFormat.gexf)


def report_format(chosen: ReportFormat | None, output: Path | None) -> ReportFormat:
    """--format if given, else the output file's suffix (JSON without one), else text on a terminal and
    JSON in a pipe. A suffix that no format has is an error: the user expects that format."""
    if chosen is not None:
        return chosen
    if output is None:
        return ReportFormat.text if stdout.is_terminal else ReportFormat.json
    suffix = output.suffix.lower()
    if suffix and suffix not in SUFFIX_REPORT_FORMATS:
        known = ", ".join(sorted(SUFFIX_REPORT_FORMATS))
        fail(f"no report format writes {suffix} files; name the output with {known}, or choose one with -f")
    return SUFFIX_REPORT_FORMATS.get(suffix, ReportFormat.json)


def report_of(analysis, output_format: ReportFormat, console: Console, several: bool) -> None:
    """Write one analysis to `console` in the chosen format; several JSON analyses go one per line."""
    if output_format is ReportFormat.json:
        console.file.write(analysis.to_json(indent=None if several else 2) + "\n")
    elif output_format is ReportFormat.html:
        from propaganda_lens.report.html import render_html

        console.file.write(render_html(analysis))
    elif output_format is ReportFormat.semeval:
        from propaganda_lens.ingest.ptc import format_labels

        console.file.write(format_labels({analysis.article.id: analysis.spans}, with_technique=True))
    elif output_format in (ReportFormat.graphml, ReportFormat.gexf):
        from propaganda_lens.report.graph import to_gexf, to_graphml

        console.file.write(to_graphml(analysis) if output_format is ReportFormat.graphml else to_gexf(analysis))
    else:
        from propaganda_lens.report.terminal import render

        console.print(render(analysis))


def unused_path(folder: Path, stem: str, suffix: str, taken: set[Path]) -> Path:
    """folder/stem+suffix, or with -2, -3 … appended when an earlier input of this run took that name."""
    path, number = folder / f"{stem}{suffix}", 1
    while path in taken:
        number += 1
        path = folder / f"{stem}-{number}{suffix}"
    taken.add(path)
    return path


@app.command(cls=PlainUsage)
def analyze(
    sources: Annotated[
        list[str],
        typer.Argument(
            help="Files, folders, glob patterns, http(s) URLs, or - for standard input.",
            show_default=False,
            metavar="SOURCE",
        ),
    ],
    output_format: Annotated[
        ReportFormat | None,
        typer.Option("--format", "-f", help="text, json, html, semeval, or graphml or gexf (the actors and relations, for Gephi) (default: from -o's "
             "suffix; text on a terminal, json otherwise)."),
    ] = None,
    output_name: Annotated[
        str | None,
        typer.Option(
            "-o", "--output", metavar="PATH",
            help="File to write (its suffix sets the format), or a folder for one file per input: an existing "
            "folder, a name ending in /, or any name when several html or text reports are asked for.",
        ),
    ] = None,
    input_format: Annotated[
        InputFormat, typer.Option("--input-format", help="auto, text, markdown or html.")
    ] = InputFormat.auto,
    encoding: Annotated[str | None, typer.Option(help="Text encoding of the inputs (default: detected).")] = None,
    threshold: Annotated[
        float | None, typer.Option(min=0.0, max=1.0, help="Span probability cut-off (default: tuned).")
    ] = None,
    max_bytes: Annotated[int, typer.Option(min=1, help="Largest input accepted, in bytes.")] = MAX_BYTES,
    timeout: Annotated[float, typer.Option(min=0.1, help="Seconds allowed for downloading a URL.")] = 20.0,
    model: ModelOption = None,
    allow_private_urls: AllowPrivateOption = False,
) -> None:
    """Find, label and explain the propaganda techniques of articles: text, Markdown or HTML."""
    from propaganda_lens.api import analyze as analyze_article, load_stages
    from propaganda_lens.ingest.errors import IngestError
    from propaganda_lens.ingest.fetch import FetchLimits
    from propaganda_lens.ingest.sources import expand_sources, read_source

    output = Path(output_name) if output_name is not None else None
    wants_folder = output is not None and (output_name.endswith(("/", os.sep)) or output.is_dir())
    chosen = report_format(output_format, None if wants_folder else output)
    check_encoding(encoding)
    paths, problems = expand_sources(sources)
    if not paths:
        report_problems(problems or ["no input given"])
    several = len(paths) > 1
    to_folder = wants_folder or output is not None and several and chosen in ONE_PER_FILE
    if several and chosen in ONE_PER_FILE and chosen is not ReportFormat.text and output is None:
        fail(f"several inputs make several {chosen.value} files: give a folder with -o")
    if output is not None and any(Path(path).resolve() == output.resolve() for path in paths if path != "-"):
        fail(f"{output} is one of the inputs; choose another output so that it is not overwritten")
    if to_folder and output.is_file():
        fail(f"{output} is a file; several {chosen.value} reports need a folder for -o")
    limits = FetchLimits(timeout_s=timeout, max_bytes=max_bytes, allow_private=allow_private_urls)
    load_stages(background=True, model=model)  # spaCy and the claim model load while the detector does
    detector = load_detector(model)
    taken: set[Path] = set()
    written = 0
    # Every file is written atomically: a killed run leaves the earlier report or the new one, never a part.
    try:
        with ExitStack() as stack:
            if to_folder:
                output.mkdir(parents=True, exist_ok=True)
                sink = None
            elif output is None:
                sink = stdout
            else:
                sink = Console(file=stack.enter_context(atomic_writer(output)), width=100, no_color=True)
            # The bar shows only while reports go to files: one printed to the terminal would break it.
            for path in with_progress(paths, len(paths), "Analyzing", shown=output is not None):
                try:
                    article = read_source(path, input_format, encoding, limits)
                except IngestError as error:
                    problems.append(str(error))
                    continue
                analysis = analyze_article(article, detector=detector, threshold=threshold)
                for warning in analysis.warnings:  # also on stderr: JSON and SemEval readers may not look
                    stderr.print(f"[bold yellow]warning:[/] {escape(path)}: {escape(warning)}", highlight=False, soft_wrap=True)
                if to_folder:
                    target = unused_path(output, article.id, REPORT_SUFFIXES[chosen], taken)
                    with atomic_writer(target) as handle:
                        report_of(analysis, chosen, Console(file=handle, width=100, no_color=True), several=False)
                else:
                    report_of(analysis, chosen, sink, several)
                written += 1
    except OSError as error:
        fail(f"cannot write {output}: {error.strerror}")
    if output is not None:
        stderr.print(f"{written} of {len(paths)} inputs analyzed; {chosen.value} written to {output}")
    report_problems(problems)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Analyses that run at the same time.")] = 2,
    queue: Annotated[int, typer.Option(min=0, help="Analyses that may wait; past them requests get 503.")] = 16,
    timeout: Annotated[float, typer.Option(min=1.0, help="Seconds allowed per analysis (504 past it); 30 s fits "
                                           "articles of about 18,000 characters, 1.6 s more per 1,000.")] = 30.0,
    max_body_bytes: Annotated[int, typer.Option(min=1000, help="Largest request body (413 past it).")] = 2_000_000,
    allow_private_urls: Annotated[
        bool, typer.Option(help="Let the API fetch loopback, private and link-local addresses.")
    ] = False,
    allowed_host: Annotated[
        list[str] | None,
        typer.Option(help="Another Host header to answer (repeatable; '*' for any). Default: loopback names and --host."),
    ] = None,
    model: ModelOption = None,
    db: Annotated[
        str | None, typer.Option("--db", metavar="URL", help="A corpus database: its dashboard is served at /corpus.")
    ] = None,
    reviewed: Annotated[bool, typer.Option(
        "--reviewed", help="The corpus dashboard counts the spans reviewed where reviewed, else the model's.")] = False,
) -> None:
    """Serve the web page and the REST API (FastAPI under uvicorn); each worker process loads the model once."""
    import socket

    import uvicorn

    from propaganda_lens.corpus.store import StoreError
    from propaganda_lens.detect.detector import ModelError
    from propaganda_lens.server.app import LOOPBACK_HOSTS, ServerSettings, create_app
    from propaganda_lens.server.workers import ModelSource

    try:
        family, kind, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        listener = socket.socket(family, kind)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(address)
    except OSError as error:
        fail(f"cannot listen on {host}:{port}: {error.strerror}; choose another --host or --port")
    settings = ServerSettings(workers=workers, queue=queue, timeout_s=timeout, max_body_bytes=max_body_bytes,
                              allow_private_urls=allow_private_urls,
                              allowed_hosts=(*LOOPBACK_HOSTS, host, *(allowed_host or [])), corpus_database=db,
                              corpus_reviewed=reviewed)
    try:  # a bad model folder or database is one clear line here, not a failing worker later
        app = create_app(ModelSource(model), settings)
    except (ModelError, OSError) as error:
        fail(f"cannot load the model: {error}")
    except StoreError as error:
        fail(str(error))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    corpus = ", the corpus dashboard at /corpus" if db else ""
    stderr.print(f"propaganda-lens: open http://{host}:{port}/ (API docs at /api/docs{corpus}); Ctrl+C stops it",
                 soft_wrap=True)
    server.run(sockets=[listener])


from propaganda_lens.cli import adapt, ptc, models  # noqa: E402, F401 - their commands register on import
from propaganda_lens.cli.corpus import corpus_app  # noqa: E402 - registered after the commands above
from propaganda_lens.cli.review import review_app  # noqa: E402

corpus_app.add_typer(review_app, name="review")
app.add_typer(corpus_app, name="corpus")

from propaganda_lens.cli.claims import register as register_claim_commands  # noqa: E402

register_claim_commands(app)
