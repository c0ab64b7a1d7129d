"""Build the outlet ratings table shipped in the package from ../shared/data/news-media-reliability.

    python tools/build_outlet_ratings.py ../shared/data/news-media-reliability

Writes src/propaganda_lens/enrich/outlet_ratings.tsv: one row per outlet domain and snapshot (the ACL 2020
and EMNLP 2018 corpora of Baly et al., MBFC-derived), newest first. `tests/test_outlets.py` checks that the
shipped table is what this script builds.
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

SNAPSHOTS = (("acl2020", 2020), ("emnlp18", 2018))
TABLE = Path(__file__).resolve().parents[1] / "src/propaganda_lens/enrich/outlet_ratings.tsv"
COLUMNS = ("domain", "year", "factuality", "bias", "mbfc_page")


def build(dataset: Path) -> str:
    rows = []
    for folder, year in SNAPSHOTS:
        with (dataset / "data" / folder / "corpus.tsv").open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle, delimiter="\t"):
                domain = row["source_url_normalized"].strip().lower().removeprefix("www.")
                rows.append((domain, str(year), row["fact"].strip(), row["bias"].strip(), row["ref"].strip()))
    rows.sort(key=lambda row: (row[0], -int(row[1])))
    out = io.StringIO()
    writer = csv.writer(out, delimiter="\t", lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return out.getvalue()


if __name__ == "__main__":
    TABLE.write_text(build(Path(sys.argv[1])), encoding="utf-8")
    print(f"wrote {TABLE}")
