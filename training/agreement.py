"""Agreement between the two independent labelling passes over the real-news corpus.

Pass A is the corpus's own first pass (``../shared/real-news/pass_a.jsonl``); pass B is the
project's second pass (``labels/real-news/pass_b.jsonl``), made by readers who saw only the
codebook, the guidelines and the paragraphs. Cohen's kappa per dispute and overall, for
direction and loaded:

    python -m framing.training.agreement
"""

from __future__ import annotations

import json
from pathlib import Path

from sklearn.metrics import cohen_kappa_score, f1_score

from framing.training.real_news import CORPUS_FILE, PROJECT_LABELS, default_corpus_dir


def _rows(path: Path) -> dict[str, dict]:
    return {r["id"]: r for r in map(json.loads, path.read_text(encoding="utf-8").splitlines()) if r}


def _relative(label: str, paragraph: dict) -> str:
    """A direction in side-relative classes (A->B, B->A), as the model's figures count them."""
    a, b = paragraph["sides"]
    return {f"{a}->{b}": "A->B", f"{b}->{a}": "B->A"}.get(label, label)


def agreement(corpus: Path | None = None, pass_b: Path | None = None) -> dict[str, dict]:
    corpus = corpus or default_corpus_dir()
    paragraphs = _rows(corpus / CORPUS_FILE)
    a = _rows(corpus / "pass_a.jsonl")
    b = _rows(pass_b or PROJECT_LABELS.with_name("pass_b.jsonl"))
    ids = [i for i in paragraphs if i in a and i in b]
    groups = {"overall": ids}
    for i in ids:
        groups.setdefault(paragraphs[i]["dispute"], []).append(i)
    table = {}
    for name, members in groups.items():
        table[name] = {"n": len(members)}
        for task in ("direction", "loaded"):
            table[name][task] = round(
                cohen_kappa_score([a[i][task] for i in members], [b[i][task] for i in members]), 3
            )
            table[name][f"{task}_agreement"] = round(sum(a[i][task] == b[i][task] for i in members) / len(members), 3)
            table[name][f"{task}_macro_f1"] = round(
                f1_score(
                    [_relative(a[i][task], paragraphs[i]) for i in members],
                    [_relative(b[i][task], paragraphs[i]) for i in members],
                    average="macro",
                ),
                3,
            )
    return table


def main() -> None:
    table = agreement()
    print(
        "| dispute | paragraphs | direction kappa | loaded kappa | direction agreement | loaded agreement "
        "| direction macro-F1 (B vs A) | loaded macro-F1 (B vs A) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name in ["overall"] + sorted(k for k in table if k != "overall"):
        t = table[name]
        print(
            f"| {name} | {t['n']} | {t['direction']:.3f} | {t['loaded']:.3f} | "
            f"{t['direction_agreement']:.3f} | {t['loaded_agreement']:.3f} | {t['direction_macro_f1']:.3f} | "
            f"{t['loaded_macro_f1']:.3f} |"
        )


if __name__ == "__main__":
    main()
