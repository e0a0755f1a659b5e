"""Plain-text and Markdown views of evaluation reports and corpus balance."""

from __future__ import annotations

from collections import Counter, defaultdict

from framing.model.classifier import DIRECTIONS, LOADED, relative_direction
from framing.model.labels import Corpus
from framing.model.sides import default_sides
from framing.training.data import row_sides


def format_figures(figures: dict, indent: str = "") -> str:
    lines = []
    for head in ("direction", "loaded"):
        if head not in figures or not figures[head].get("n"):
            continue
        f = figures[head]
        lines.append(
            f"{indent}{head}: n={f['n']} accuracy={f['accuracy']:.3f} macro-F1={f['macro_f1']:.3f}"
            + (f" calibration-error={f['calibration_error']:.3f}" if "calibration_error" in f else "")
        )
        lines.append(f"{indent}  {'class':<24} {'precision':>9} {'recall':>7} {'F1':>6} {'support':>8}")
        for name, c in f["per_class"].items():
            lines.append(
                f"{indent}  {name:<24} {c['precision']:>9.3f} {c['recall']:>7.3f} {c['f1']:>6.3f} {c['support']:>8}"
            )
    if "direction_text_only" in figures:
        text, said = figures["direction_text_only"], figures["direction"]
        lines.append(
            f"{indent}direction reversed (A->B given as B->A or back): {100 * said['reversed']:.1f}% of directional "
            f"paragraphs; the text-only head (score-folder without --attributions): macro-F1={text['macro_f1']:.3f}, "
            f"{100 * text['reversed']:.1f}% reversed"
        )
    if "loaded_binary_macro_f1" in figures:
        lines.append(f"{indent}loaded vs none (binary) macro-F1={figures['loaded_binary_macro_f1']:.3f}")
    if "spans" in figures:
        s = figures["spans"]
        lines.append(
            f"{indent}spans (overlap): precision={s['precision']:.3f} recall={s['recall']:.3f} F1={s['f1']:.3f} "
            f"(predicted {s['predicted']}, gold {s['gold']})"
        )
    return "\n".join(lines)


def format_report(version: str, report: dict) -> str:
    cv = report["cross_validation"]
    lines = [f"model version {version}", f"grouped {cv['folds']}-fold cross-validation (groups: {cv['grouped_by']})"]
    notes = {
        "real-news": "  <- real news from outlets held out of training: the honest figures",
        "seed": "  <- real news, held out by article",
    }
    for origin in ("real-news", "seed", "authored", "user", "external"):
        if origin in cv:
            lines.append(f"\n[{origin} paragraphs]{notes.get(origin, '')}")
            lines.append(format_figures(cv[origin], "  "))
        if origin == "real-news" and report.get("real_news_by_dispute"):
            lines.append("  by dispute (macro-F1 direction / loaded):")
            for dispute, figures in report["real_news_by_dispute"].items():
                lines.append(
                    f"    {dispute:<26} n={figures['direction']['n']:<4} "
                    f"{figures['direction']['macro_f1']:.3f} / {figures['loaded']['macro_f1']:.3f}"
                )
    sym = report["symmetry"]
    if sym.get("n"):
        lines.append(
            f"\nsymmetry: {sym['rate']:.4f} of {sym['n']} paragraphs keep their labels when the sides' names swap"
            f" ({sym['broken']} broken)"
        )
    lines.append(
        f"temperature: direction {report['temperature']['direction']}, loaded {report['temperature']['loaded']}"
    )
    lines.append(f"training time: {report['training_seconds']} s")
    return "\n".join(lines)


def balance_table(corpus: Corpus) -> str:
    fallback = default_sides()
    counts: dict[str, Counter] = defaultdict(Counter)
    disputes: dict[str, set] = defaultdict(set)
    for row in corpus.rows:
        origin = row["origin"]
        counts[origin]["rows"] += 1
        if row.get("dispute"):
            disputes[origin].add(row["dispute"])
        if "direction" in row.data:
            counts[origin]["d:" + relative_direction(row["direction"], row_sides(row, corpus.sides, fallback))] += 1
        if "loaded" in row.data:
            counts[origin]["l:" + row["loaded"]] += 1
    header = ["origin", "rows", "disputes"] + [f"dir {d}" for d in DIRECTIONS] + [f"loaded {l}" for l in LOADED]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for origin in sorted(counts):
        c = counts[origin]
        d_total = sum(c["d:" + d] for d in DIRECTIONS) or 1
        l_total = sum(c["l:" + l] for l in LOADED) or 1
        cells = [origin, str(c["rows"]), str(len(disputes[origin]))]
        cells += [f"{c['d:' + d]} ({100 * c['d:' + d] / d_total:.0f}%)" for d in DIRECTIONS]
        cells += [f"{c['l:' + l]} ({100 * c['l:' + l] / l_total:.0f}%)" for l in LOADED]
        lines.append("| " + " | ".join(cells) + " |")
    if corpus.problems:
        lines.append(f"\n({len(corpus.problems)} invalid rows not counted: run 'framing labels validate')")
    return "\n".join(lines)
