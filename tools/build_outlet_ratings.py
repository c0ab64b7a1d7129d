"""Build the outlet ratings table shipped in the package from ../shared/data/news-media-reliability.

    python tools/build_outlet_ratings.py ../shared/data/news-media-reliability

Writes src/propaganda_lens/enrich/outlet_ratings.tsv: one row per outlet and snapshot (the ACL 2020 and EMNLP
2018 corpora of Baly et al., MBFC-derived), keyed on the row's URL: its host (without `www.`) and, when the
URL names one, its path prefix (`rt.com` + `news` for https://www.rt.com/news/; index pages such as
`index.html` or `Main_Page` name no path). `tests/test_outlets.py` checks that the shipped table is what this
script builds.
"""

from __future__ import annotations

import csv
import io
import re
import sys
from pathlib import Path
from urllib.parse import urlsplit

SNAPSHOTS = (("acl2020", 2020), ("emnlp18", 2018))
TABLE = Path(__file__).resolve().parents[1] / "src/propaganda_lens/enrich/outlet_ratings.tsv"
COLUMNS = ("host", "path", "year", "factuality", "bias", "mbfc_page")
_INDEX_PAGE = re.compile(r"(?:index|home|main_page)(?:\.\w+)?", re.IGNORECASE)


def host_and_path(url: str) -> tuple[str, str]:
    """The URL's lower-cased host without `www.` and its path prefix without slashes or an index page."""
    parts = urlsplit(url.strip() if "://" in url else "http://" + url.strip())
    host = (parts.hostname or "").rstrip(".").removeprefix("www.")
    segments = [segment for segment in parts.path.split("/") if segment]
    if segments and _INDEX_PAGE.fullmatch(segments[-1]):
        segments.pop()
    return host, "/".join(segments).lower()


def build(dataset: Path) -> str:
    rows = {}
    for folder, year in SNAPSHOTS:
        with (dataset / "data" / folder / "corpus.tsv").open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle, delimiter="\t"):
                host, path = host_and_path(row["source_url"])
                # The same outlet listed twice in one snapshot (people.com/politics and .../politics/): the first.
                rows.setdefault((host, path, year), (row["fact"].strip(), row["bias"].strip(), row["ref"].strip()))
    out = io.StringIO()
    writer = csv.writer(out, delimiter="\t", lineterminator="\n")
    writer.writerow(COLUMNS)
    for (host, path, year), rating in sorted(rows.items(), key=lambda item: (item[0][0], item[0][1], -item[0][2])):
        writer.writerow((host, path, str(year), *rating))
    return out.getvalue()


if __name__ == "__main__":
    TABLE.write_text(build(Path(sys.argv[1])), encoding="utf-8")
    print(f"wrote {TABLE}")
