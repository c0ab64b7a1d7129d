"""The actors and relations as a graph file for Gephi and other network tools: GraphML or GEXF (networkx).

Nodes are actors (name, kind, mentions); edges are relations (polarity, modality, trigger words, evidence
sentence and its offsets). Two relations between the same actors stay two edges (a multigraph).

Characters XML 1.0 forbids (control characters other than tab and line ends, lone surrogates, U+FFFE and
U+FFFF) are replaced by U+FFFD, so that the files stay well-formed; the graph attribute
`replaced_characters` counts them (GraphML writes it; networkx's GEXF writer writes no graph attributes).
Offsets still refer to the article's text.
"""

from __future__ import annotations

import re

from propaganda_lens.data import Analysis

NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def relation_network(analysis: Analysis):
    import networkx

    text = analysis.article.text
    replaced = 0

    def xml_safe(value: str) -> str:
        nonlocal replaced
        safe, count = NOT_XML.subn("\ufffd", value)
        replaced += count
        return safe

    graph = networkx.MultiDiGraph(article=xml_safe(analysis.article.id), model=xml_safe(analysis.model))
    for actor in analysis.actors:
        graph.add_node(xml_safe(actor.id), label=xml_safe(actor.name), kind=actor.kind, mentions=len(actor.mentions),
                       country=actor.country or "")
    for relation in analysis.relations:
        start, end = relation.evidence
        graph.add_edge(
            xml_safe(relation.source), xml_safe(relation.target),
            polarity=relation.polarity, modality=relation.modality,
            trigger=xml_safe(" … ".join(text[a:b] for a, b in relation.trigger)),
            evidence=xml_safe(text[start:end]), evidence_start=start, evidence_end=end,
        )
    graph.graph["replaced_characters"] = replaced
    return graph


def to_graphml(analysis: Analysis) -> str:
    import networkx

    return "\n".join(networkx.generate_graphml(relation_network(analysis))) + "\n"


def to_gexf(analysis: Analysis) -> str:
    import networkx

    return "\n".join(networkx.generate_gexf(relation_network(analysis))) + "\n"
