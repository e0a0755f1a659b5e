"""Accuracy on real news from outlets held out of training, with the human line beside it.

``framing train``'s own evaluation with the default label sources and parameters: grouped
5-fold cross-validation in which every real-news outlet (and every seed article, every
authored dispute) is on one side of a fold only. Nothing is saved. The human line is the
agreement of the corpus's two independent labelling passes (``training.agreement``), scored
the same way (pass B against pass A, macro-F1).
"""

from __future__ import annotations

import tempfile

from bench.external import Unavailable


def run(quick: bool = False) -> dict:
    from framing.training.agreement import agreement
    from framing.training.data import with_real_news
    from framing.training.train import train

    sources, notes = with_real_news()
    if len(sources) < 2:
        raise Unavailable("; ".join(notes))
    with tempfile.TemporaryDirectory() as store:
        _, report = train(sources, store, folds=3 if quick else 5, make_current=False)
    humans = agreement()
    return {
        "cross_validation": report["cross_validation"],
        "by_dispute": report["real_news_by_dispute"],
        "symmetry": report["symmetry"],
        "humans": humans,
    }
