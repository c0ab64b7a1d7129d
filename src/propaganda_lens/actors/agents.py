"""Agent nouns from the field's dictionary: the Phoenix role of "rebels", "diplomats", "militia" (agent_nouns.tsv,
built by tools/build_agent_nouns.py from PETRARCH2's Phoenix.agents.txt; see AGENT_NOUNS.md).

A country's name or demonym before an agent noun composes as in political event coding ("Syrian rebels" is SYR +
REB): before a state agent ("Russian diplomats", "Turkish troops") the phrase stands for the country; before a
non-state armed or opposition agent ("Syrian rebels", "Libyan militias", "Iranian dissidents") it does not."""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

AGENT_NOUNS = Path(__file__).resolve().parent / "agent_nouns.tsv"
# Phoenix first roles of the state acting: government, military, police, intelligence.
STATE_ROLES = frozenset({"GOV", "MIL", "COP", "SPY"})
# Rebels, opposition and activists, unaffiliated armed groups (militias, militants, terrorists), radicals, criminals.
NON_STATE_ROLES = frozenset({"REB", "OPP", "UAF", "RAD", "CRM"})


@cache
def agent_roles() -> dict[str, frozenset[str]]:
    """Agent noun (lower case, singular or an irregular plural) -> its Phoenix first roles."""
    roles: dict[str, set[str]] = {}
    with AGENT_NOUNS.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            roles.setdefault(row["noun"], set()).add(row["role"])
    return {noun: frozenset(found) for noun, found in roles.items()}


def is_state_agent(lemma: str) -> bool:
    """A noun for those who act for a state ("diplomat", "troop", "police"), by its only roles."""
    roles = agent_roles().get(lemma)
    return bool(roles) and roles <= STATE_ROLES


def is_non_state_agent(lemma: str) -> bool:
    """A noun for armed, rebel, opposition or criminal actors apart from a state ("rebel", "militia", "dissident")."""
    roles = agent_roles().get(lemma)
    return bool(roles) and roles <= NON_STATE_ROLES
