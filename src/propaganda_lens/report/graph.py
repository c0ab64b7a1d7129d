"""The actors and relations as a graph file for Gephi and other network tools: GraphML or GEXF (networkx).

Nodes are actors (name, kind, mentions); edges are relations (polarity, modality, trigger words, evidence
sentence and its offsets). Two relations between the same actors stay two edges (a multigraph).
"""

from __future__ import annotations

from propaganda_lens.data import Analysis


def relation_network(analysis: Analysis):
    import networkx

    text = analysis.article.text
    graph = networkx.MultiDiGraph(article=analysis.article.id, model=analysis.model)
    for actor in analysis.actors:
        graph.add_node(actor.id, label=actor.name, kind=actor.kind, mentions=len(actor.mentions))
    for relation in analysis.relations:
        start, end = relation.evidence
        graph.add_edge(
            relation.source, relation.target,
            polarity=relation.polarity, modality=relation.modality,
            trigger=" … ".join(text[a:b] for a, b in relation.trigger),
            evidence=text[start:end], evidence_start=start, evidence_end=end,
        )
    return graph


def to_graphml(analysis: Analysis) -> str:
    import networkx

    return "\n".join(networkx.generate_graphml(relation_network(analysis))) + "\n"


def to_gexf(analysis: Analysis) -> str:
    import networkx

    return "\n".join(networkx.generate_gexf(relation_network(analysis))) + "\n"
