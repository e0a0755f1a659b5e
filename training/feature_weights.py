"""Which feature groups carry the weight: each group's share of the absolute push
(x_j * (w_label,j - mean_k w_k,j), summed over the predicted label) on labelled paragraphs.

    python -m framing.training.feature_weights        # the shipped model on the real-news, seed and authored rows
"""

from __future__ import annotations

import numpy as np

from framing.model.classifier import stacked
from framing.model.features import analyse_rows
from framing.model.store import load_current
from framing.training.data import load_dataset
from framing.training.statement_votes import with_context


def group_shares(classifier, analysed, votes: np.ndarray) -> dict[str, dict[str, float]]:
    """``votes``: each paragraph's statement counts (``FramingClassifier.votes``), which the direction head reads."""
    parts = classifier._inputs(analysed)[0]
    direction_head, said = classifier.direction_matrix(parts, votes)
    groups = np.array([name.split(":")[0] for name in classifier.feature_names_])
    shares = {}
    for name, head, X in (("direction", direction_head, said), ("loaded", classifier.loaded_, stacked(parts))):
        predicted = head.predict_proba(X).argmax(axis=1)
        centred = head.coef_ - head.coef_.mean(axis=0)
        totals: dict[str, float] = {}
        for r in range(X.shape[0]):
            row = X[r]
            push = np.abs(row.data * centred[predicted[r], row.indices])
            for group in set(groups[row.indices]):
                totals[group] = totals.get(group, 0.0) + float(push[groups[row.indices] == group].sum())
        whole = sum(totals.values()) or 1.0
        shares[name] = {g: round(v / whole, 3) for g, v in sorted(totals.items(), key=lambda x: -x[1])}
    return shares


def main() -> None:
    model = load_current()
    dataset = load_dataset()
    with_context(dataset)
    for origin in ("real-news", "seed", "authored"):
        rows = [i for i, o in enumerate(dataset.origins) if o == origin]
        analysed = analyse_rows([dataset.examples[i].text for i in rows], [dataset.examples[i].sides for i in rows])
        votes = model.classifier.votes([dataset.examples[i] for i in rows])
        for head, shares in group_shares(model.classifier, analysed, votes).items():
            print(f"{origin:9} {head:10} " + "  ".join(f"{g} {v:.0%}" for g, v in shares.items()))


if __name__ == "__main__":
    main()
