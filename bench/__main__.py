"""``python -m bench``: every benchmark in one run, a summary, and BENCHMARKS.md rewritten.

``--quick`` is the CI smoke mode (under a minute, small samples: its figures only show
that the suite runs). Parts whose data or tools are missing are skipped with the reason.
"""

from __future__ import annotations

import argparse
import json
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

from framing.paths import PROJECT_ROOT

# Figures of alternating with/without runs (issue 14): a section of BENCHMARKS.md that a rerun keeps.
OPTIMISATIONS = Path(__file__).with_name("optimisations.md")


def _part(name: str, function, results: dict, log) -> None:
    log(f"[{name}] ...")
    started = time.perf_counter()
    try:
        results[name] = function()
    except Exception as exc:  # a missing data set or tool skips that part, with the reason
        from bench.external import Unavailable

        results[name] = (
            {"skipped": str(exc)}
            if isinstance(exc, Unavailable)
            else {"error": f"{type(exc).__name__}: {exc}", "trace": traceback.format_exc(limit=3)}
        )
    results[name]["bench_seconds"] = round(time.perf_counter() - started, 1)
    log(f"[{name}] done in {results[name]['bench_seconds']} s")


def run(quick: bool, parts: set[str] | None = None, log=print) -> dict:
    from bench import external, folder, real_news, serve_load, speed, training_time
    from framing.model.store import load_current
    from framing.training.train import DEFAULT_PARAMS

    wanted = parts or {
        "real_news",
        "attribution",
        "suggest",
        "babe",
        "babe_out_of_domain",
        "ptc",
        "speed",
        "http",
        "folder",
        "training",
    }
    results: dict = {"quick": quick, "measured_at": datetime.now(UTC).isoformat(timespec="seconds")}
    model = load_current()
    results["model_version"] = model.version
    plan = [
        ("real_news", lambda: real_news.run(quick)),
        ("attribution", _attribution),
        ("suggest", lambda: _suggest(quick)),
        ("babe", lambda: external.run_babe(DEFAULT_PARAMS, quick)),
        ("babe_out_of_domain", lambda: external.run_babe_out_of_domain(model, quick)),
        ("ptc", lambda: external.run_ptc(DEFAULT_PARAMS, quick)),
        ("speed", lambda: speed.run(quick)),
        ("http", lambda: serve_load.run(quick)),
        ("folder", lambda: folder.run(quick)),
        ("training", lambda: training_time.run(quick)),
    ]
    for name, function in plan:
        if name in wanted:
            _part(name, function, results, log)
    return results


def _attribution() -> dict:
    """Speakers, their sides and whom they blame, against the attribution labels (``training.attribution_eval``):
    the held-out files, and the development file the rules were shaped on."""
    from framing.training.attribution_eval import (
        DEVELOPMENT,
        LABELS_DIR,
        SECOND_PASS,
        agreement,
        evaluate,
        held_out_names,
    )
    from framing.training.speakers import cross_fitted

    held = [LABELS_DIR / name for name in held_out_names()]
    scorers = cross_fitted()
    figures = {
        "held_out": evaluate(held, scorers=scorers),
        "held_out_rules_alone": evaluate(held, scorers={}),
        "development": evaluate([LABELS_DIR / name for name in DEVELOPMENT], scorers=scorers),
    }
    if any(SECOND_PASS.glob("*.jsonl")):
        figures["agreement"] = agreement(scorers=scorers)
    return figures


def _not_run(figures: dict) -> str:
    return f"Not run: {figures.get('skipped') or figures.get('error', 'not measured')}"


def _suggest(quick: bool) -> dict:
    """``framing suggest``'s ranking against random picks (``training.suggest.simulate``)."""
    from bench.external import Unavailable
    from framing.training.data import with_real_news
    from framing.training.suggest import simulate

    if len(with_real_news()[0]) < 2:
        raise Unavailable("the real-news corpus is not there")
    figures = simulate(
        seeds=1 if quick else 5, steps=(100,) if quick else (100, 200, 400), log=lambda _: None, oracle=True
    )
    figures.pop("runs")
    return figures


def _suggest_rows(figures: dict) -> list[str]:
    lines = ["", "## Which paragraphs to label: `framing suggest` against random picks", ""]
    if "suggest" not in figures:
        return lines + [_not_run(figures)]
    start = figures["start"]
    lines += [
        f"A model trained without real news labels paragraphs from half of the real-news outlets ({figures['pool']} "
        f"paragraphs), 50 a round, chosen by `suggest`'s ranking (retrained each round) or at random, and is scored on "
        f"the other half ({figures['test']} paragraphs from outlets it never saw); {figures['seeds']} seeds, mean "
        f"(the first round is random for both). Before any real-news label: direction {start['direction']:.3f}, "
        f"loaded {start['loaded']:.3f}. Ranking options chosen on a split of the first half only "
        "(`python -m framing.training.suggest --simulate --development`). The oracle peeks at the labels and "
        "picks the paragraphs the current model gets wrong: what any ranking of the model's doubts could gain "
        "(`--oracle`).",
        "",
        "| labels | suggest: direction / loaded / mean | random: direction / loaded / mean | suggest − random (mean) "
        "| oracle: mean | oracle − random (mean) |",
        "|---|---|---|---|---|---|",
    ]
    for step in figures["steps"]:
        a, b = figures["suggest"][str(step)], figures["random"][str(step)]
        lines.append(
            f"| {step} | {a['direction']:.3f} / {a['loaded']:.3f} / {a['mean']:.3f} (sd {a['mean_sd']:.3f}) | "
            f"{b['direction']:.3f} / {b['loaded']:.3f} / {b['mean']:.3f} (sd {b['mean_sd']:.3f}) | "
            f"{a['mean'] - b['mean']:+.3f} | " + _oracle_cells(figures.get("oracle", {}).get(str(step)), b)
        )
    return lines


def _oracle_cells(oracle: dict | None, random: dict) -> str:
    if not oracle:
        return "— | — |"
    return f"{oracle['mean']:.3f} (sd {oracle['mean_sd']:.3f}) | {oracle['mean'] - random['mean']:+.3f} |"


def _attribution_rows(figures: dict) -> list[str]:
    lines = ["", "## Who speaks and whom they blame (attributions)", ""]
    if "held_out" not in figures:
        return lines + [_not_run(figures)]
    lines += [
        "Against `labels/attributions/` (speaker words, speaker side and blamed sides, labelled by reading; the "
        "paragraph's article before it given as context). Speaker side and targets count a labelled speaker "
        "that is not found as wrong; 'when found' only those found. Targets: speaker side 0.90, targets 0.85. "
        "Speakers come from the rules and from the learned scorer (`model/speakers.py`); each file is read "
        "with a scorer fitted without its labels (`training.speakers.cross_fitted`). The rules, the scorer's "
        "threshold and its regularisation were shaped on the development files only; the held-out files were "
        "never read for errors (their totals were looked at after each round of rules, nine times so far). "
        "The sides files' `speakers` lists (officials, other spellings, state media) were written from general "
        "knowledge, not read off the corpus.",
        "",
        "| labels | paragraphs | labelled speakers | speaker side | targets | speaker side when found "
        "| targets when found | found (recall) | precision |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, title in (
        ("held_out", "held out: " + ", ".join(figures["held_out"]["files"])),
        ("held_out_rules_alone", "same, the rules alone"),
        (
            "development",
            "development (rules and threshold chosen on it): " + ", ".join(figures["development"]["files"]),
        ),
    ):
        if name in figures:
            lines.append(_attribution_row(title, figures[name]))
    agreement = figures.get("agreement")
    if agreement:
        lines += [
            "",
            "A second reader labelled " + ", ".join(agreement["files"]) + " again without seeing the first reading "
            "(`labels/attributions/pass_b/`; `python -m framing.training.attribution_eval --agreement`). The second "
            "reading scored against the first exactly as the model is: what the figures above can be held to.",
            "",
            "| compared | paragraphs | labelled speakers | speaker side | targets | speaker side when found "
            "| targets when found | found (recall) | precision |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for name, title in (
            ("second_vs_first", "second reader against the first"),
            ("model_vs_first", "model against the first reader"),
            ("model_vs_second", "model against the second reader"),
        ):
            lines.append(_attribution_row(title, agreement[name]))
    return lines


def _attribution_row(title: str, f: dict) -> str:
    return (
        f"| {title} | {f['paragraphs']} | {f['labelled']} | {f['speaker_side']:.3f} | {f['targets']:.3f} | "
        f"{f['side_when_found']:.3f} | {f['targets_when_found']:.3f} | {f['recall']:.3f} | {f['precision']:.3f} |"
    )


def _get(results: dict, *keys, default="—"):
    value = results
    for key in keys:
        if not isinstance(value, dict) or key not in value:
            return default
        value = value[key]
    return value


def _ratio(a, b) -> str:
    try:
        return f"{a / b:.2f}×"
    except (TypeError, ZeroDivisionError):
        return "—"


def _external_rows(name: str, figures: dict, title, anchors: list[tuple[str, float]], span_label: str) -> list[str]:
    """Table rows for one outside data set: ours against each anchor and this run's baselines."""
    if "macro_f1" not in figures:
        return [f"| {name} | {figures.get('skipped') or figures.get('error', 'not run')} | | |"]
    ours = figures["macro_f1"]["framing"]
    rows = [
        f"| {title(figures)} | {ours:.3f} | {anchor} {value:.3f} | {_ratio(ours, value)} |" for anchor, value in anchors
    ]
    rows += [
        f"| {name}, same folds | {ours:.3f} | {b.replace('_', ' ')} (this run) {figures['macro_f1'][b]:.3f} | "
        f"{_ratio(ours, figures['macro_f1'][b])} |"
        for b in ("tfidf_lr", "lexicon_rule")
    ]
    s = figures["span_f1_framing"]
    rows.append(
        f"| {name} {span_label} (overlap F1) | {s['f1']:.3f} (P {s['precision']:.3f}, R {s['recall']:.3f}) | — | — |"
    )
    return rows


def _real_news_rows(figures: dict) -> list[str]:
    """Real news from outlets held out of training, per dispute, beside the two labelling passes' agreement."""
    lines = ["", "## Accuracy on real news from outlets held out of training", ""]
    if "cross_validation" not in figures:
        return lines + [_not_run(figures)]
    cv, humans = figures["cross_validation"], figures["humans"]
    real = cv["real-news"]
    lines += [
        "Grouped 5-fold cross-validation: no outlet on both sides of a fold (seed rows grouped by article, "
        "authored rows by dispute). Targets: direction and loaded macro-F1 0.75, span overlap F1 0.55. "
        "Human line: two independent labelling passes scored against each other the same way.",
        "",
        "| rows | paragraphs | direction macro-F1 | loaded macro-F1 | loaded vs none | span F1 (overlap) "
        "| humans: direction / loaded macro-F1 (kappa) |",
        "|---|---|---|---|---|---|---|",
        f"| real news, all | {real['direction']['n']} | {real['direction']['macro_f1']:.3f} | "
        f"{real['loaded']['macro_f1']:.3f} | {real['loaded_binary_macro_f1']:.3f} | {real['spans']['f1']:.3f} | "
        f"{humans['overall']['direction_macro_f1']:.3f} / {humans['overall']['loaded_macro_f1']:.3f} "
        f"({humans['overall']['direction']:.2f} / {humans['overall']['loaded']:.2f}) |",
    ]
    for dispute, f in figures["by_dispute"].items():
        h = humans.get(dispute, {})
        lines.append(
            f"| {dispute} | {f['direction']['n']} | {f['direction']['macro_f1']:.3f} | {f['loaded']['macro_f1']:.3f} | "
            f"{f['loaded_binary_macro_f1']:.3f} | {f['spans']['f1']:.3f} | {h.get('direction_macro_f1', 0):.3f} / "
            f"{h.get('loaded_macro_f1', 0):.3f} ({h.get('direction', 0):.2f} / {h.get('loaded', 0):.2f}) |"
        )
    for origin, title in (
        ("seed", "seed paragraphs (real news, held out by article)"),
        ("authored", "authored paragraphs (held out by dispute)"),
    ):
        if origin in cv:
            f = cv[origin]
            lines.append(
                f"| {title} | {f['direction']['n']} | {f['direction']['macro_f1']:.3f} | "
                f"{f['loaded']['macro_f1']:.3f} | {f['loaded_binary_macro_f1']:.3f} | {f['spans']['f1']:.3f} | — |"
            )
    sym = figures["symmetry"]
    lines += [
        "",
        f"Symmetry (swap the sides' names; the direction must swap and the rest stay): {sym['rate']:.4f} of "
        f"{sym['n']} paragraphs ({sym['broken']} broken; target 0.99).",
    ]
    if "direction_text_only" in real:
        lines += ["", *_direction_heads(cv)]
    return lines


def _direction_heads(cv: dict) -> list[str]:
    """The direction head that reads the statements found against the text-only one (score-folder's fast
    path), in the same cross-validation: macro-F1 and the share of directional paragraphs reversed."""
    lines = [
        "The direction head reads who blames whom by the statements found (`model/votes.py`); score-folder "
        "without `--attributions` uses a second head fitted on the text alone. Both in the same folds "
        "(reversed: A->B given as B->A or back, of the paragraphs labelled with a direction; target below 3%):",
        "",
        "| rows | direction macro-F1, with statements | text alone | reversed, with statements | text alone |",
        "|---|---|---|---|---|",
    ]
    for origin in ("real-news", "seed", "authored"):
        f = cv.get(origin, {})
        if "direction_text_only" in f:
            text = f["direction_text_only"]
            lines.append(
                f"| {origin} | {f['direction']['macro_f1']:.3f} | {text['macro_f1']:.3f} | "
                f"{100 * f['direction']['reversed']:.1f}% | {100 * text['reversed']:.1f}% |"
            )
    return lines


def markdown(results: dict) -> str:
    r = results
    lines = [
        "# Benchmarks",
        "",
        f"Measured {r['measured_at']} by `python -m bench{' --quick' if r['quick'] else ''}` on this project's "
        f"2-core machine, model `{r['model_version']}`. Everything in one run, so ratios are comparable; "
        "absolute figures vary with the machine's load.",
    ]
    if r["quick"]:
        lines += ["", "**Quick (smoke) mode: small samples, the figures only show that the suite runs.**"]
    for part, when in r.get("remeasured", {}).items():
        model = r.get("remeasured_models", {}).get(part)
        other = f", model `{model}`" if model and model != r["model_version"] else ""
        lines += ["", f"Part `{part}` re-measured alone at {when} (`python -m bench --only {part}`{other})."]
    lines += _real_news_rows(r.get("real_news", {}))
    lines += _attribution_rows(r.get("attribution", {}))
    lines += _suggest_rows(r.get("suggest", {}))
    babe, ptc, ood = r.get("babe", {}), r.get("ptc", {}), r.get("babe_out_of_domain", {})
    lines += [
        "",
        "## Accuracy on outside data",
        "",
        "| data set, protocol | framing | anchor / baseline | ratio |",
        "|---|---|---|---|",
    ]
    lines += _external_rows(
        "BABE",
        babe,
        lambda f: f"BABE ({f['rows']} sentences), stratified 5-fold, binary macro-F1",
        [(f"{name} (published)", value) for name, value in babe.get("anchors", {}).items()],
        "biased-word spans vs marked words",
    )
    if "macro_f1" in ood:
        lines.append(f"| BABE, shipped model without retraining (out of domain) | {ood['macro_f1']:.3f} | — | — |")
    lines += _external_rows(
        "PTC",
        ptc,
        lambda f: f"PTC ({f['rows']} sentences, {f['articles']} articles), 5-fold grouped by article, macro-F1",
        [("TF-IDF + LR (issue anchor)", 0.63)],
        "Loaded_Language spans",
    )

    sp, ht, fo, tr = r.get("speed", {}), r.get("http", {}), r.get("folder", {}), r.get("training", {})
    lines += [
        "",
        "## Speed, latency, memory",
        "",
        "| figure | framing | target / baseline | ratio |",
        "|---|---|---|---|",
    ]
    if "framing_per_second" in sp:
        ours = sp["framing_per_second"]
        lines += [
            f"| scoring throughput, one core, paragraphs of {sp['mean_words']} words (paragraphs/s) | {ours:,.0f} | target 5,000 | {_ratio(ours, 5000)} |",
            f"| same, baseline TF-IDF + LR (this run) | {ours:,.0f} | {sp['tfidf_lr_per_second']:,.0f} | {_ratio(ours, sp['tfidf_lr_per_second'])} |",
            f"| same, baseline lexicon rule (this run) | {ours:,.0f} | {sp['lexicon_rule_per_second']:,.0f} | {_ratio(ours, sp['lexicon_rule_per_second'])} |",
            f"| single-paragraph `score` call in-process, p50 / p99 (ms) | {sp['single_latency_ms']['p50']:.2f} / {sp['single_latency_ms']['p99']:.2f} | target < 2 | {_ratio(2, sp['single_latency_ms']['p50'])} headroom |",
            f"| model load, verified (s) | {sp['model_load_seconds']:.3f} | — | — |",
            f"| artifact size (MB) | {sp['artifact_bytes'] / 1e6:.2f} | a few MB | — |",
            f"| peak memory of a process scoring 20,000 paragraphs in batches of 256 (MB RSS) | {sp['peak_rss_mb']:.0f} | — | — |",
        ]
    if "requests_per_second" in ht:
        lines += [
            f"| HTTP `POST /v1/score`, {ht['workers']} workers, {ht['connections']} connections, {ht['seconds']} s ({ht['tool']}) (requests/s) | {ht['requests_per_second']:,.0f} | target 1,000 | {_ratio(ht['requests_per_second'], 1000)} |",
            f"| HTTP latency p50 / p99 (ms) | {ht['latency_ms']['p50']:.1f} / {ht['latency_ms']['p99']:.1f} | p99 target < 20 | {_ratio(20, ht['latency_ms']['p99'])} headroom |",
            f"| HTTP errors over the run | {ht['errors']} of {ht['requests']:,} | 0 | — |",
            f"| server memory after warm-up → at end (MB RSS) | {ht['rss_mb_after_warmup']:.0f} → {ht['rss_mb_at_end']:.0f} | flat | {_ratio(ht['rss_mb_at_end'], ht['rss_mb_after_warmup'])} |",
        ]
    elif ht:
        lines.append(f"| HTTP | {ht.get('skipped') or ht.get('error')} | | |")
    if "mb_per_s" in fo:
        last = fo["runs"][-1]
        lines += [
            f"| `score-folder`, {last['text_mb']:.0f} MB of plain text ({last['paragraphs']:,} paragraphs, {last['seconds']:.1f} s), local engine, {last['workers']} workers (MB/s; median of {last.get('repeats', 1)} runs, slowest–fastest {last.get('mb_per_s_min', fo['mb_per_s']):.2f}–{last.get('mb_per_s_max', fo['mb_per_s']):.2f}) | {fo['mb_per_s']:.2f} | target 10 | {_ratio(fo['mb_per_s'], 10)} |",
            f"| same (paragraphs/s) | {fo['paragraphs_per_s']:,.0f} | — | — |",
            f"| `score-folder` peak memory, main process / a worker (MB RSS), largest folder | {fo['peak_rss_main_mb']:.0f} / {fo['peak_rss_worker_mb']:.0f} | bounded | — |",
        ]
        if len(fo["runs"]) > 1:
            first = fo["runs"][0]
            lines.append(
                f"| main-process memory, {first['text_mb']:.0f} MB folder → {last['text_mb']:.0f} MB folder (MB RSS) | {first['peak_rss_main_mb']:.0f} → {last['peak_rss_main_mb']:.0f} | flat | {_ratio(last['peak_rss_main_mb'], first['peak_rss_main_mb'])} |"
            )
        at = fo.get("attributions")
        if at:
            lines.append(
                f"| `score-folder --attributions` (each paragraph read with its article's earlier ones; the direction reads the statements), {at['text_mb']:.0f} MB folder (MB/s; median of {at['repeats']} runs alternating with plain runs, slowest–fastest {at['mb_per_s_range'][0]:.2f}–{at['mb_per_s_range'][1]:.2f}; plain {at['plain_mb_per_s']:.2f}) | {at['mb_per_s']:.2f} | opt-in, no target | {_ratio(at['mb_per_s'], at['plain_mb_per_s'])} of plain |"
            )
    elif fo:
        lines.append(f"| score-folder | {fo.get('skipped') or fo.get('error')} | | |")
    for rows, seconds in _get(tr, "seconds_by_rows", default={}).items():
        lines.append(
            f"| `framing train` on {int(rows):,} paragraphs incl. 5-fold CV (s) | {seconds:.1f} | target < 60 at 10,000 | {_ratio(60, seconds)} headroom |"
        )
    if OPTIMISATIONS.exists():  # measured by hand in alternating runs, not by this suite: kept as written
        lines += ["", OPTIMISATIONS.read_text(encoding="utf-8").strip()]
    lines += [
        "",
        "Reproduce: `python -m bench` (about 6 minutes; `--quick` for the smoke run). Raw figures: "
        "`bench/results.json`. How each figure is measured: the docstrings of `bench/*.py`.",
        "",
    ]
    return "\n".join(lines)


def merged(previous: dict, new: dict, parts: list[str]) -> dict:
    """A partial run's parts written over the previous full run's figures (the rest kept, so that
    BENCHMARKS.md stays whole), each re-measured part with its own time."""
    if previous.get("quick") != new["quick"]:
        return new
    out = {**previous, **{part: new[part] for part in parts if part in new}}
    out["remeasured"] = {**previous.get("remeasured", {}), **{part: new["measured_at"] for part in parts}}
    out["remeasured_models"] = {
        **previous.get("remeasured_models", {}),
        **{part: new["model_version"] for part in parts},
    }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smoke mode: small samples, under a minute")
    parser.add_argument("--only", action="append", help="run only this part (repeatable)")
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "BENCHMARKS.md", help="where to write the table")
    parser.add_argument("--json", type=Path, default=PROJECT_ROOT / "bench" / "results.json", help="raw figures")
    args = parser.parse_args()
    results = run(args.quick, set(args.only) if args.only else None)
    if args.only and args.json.exists():
        results = merged(json.loads(args.json.read_text()), results, args.only)
    args.json.write_text(json.dumps(results, indent=2) + "\n")
    table = markdown(results)
    args.out.write_text(table)
    print(table)


if __name__ == "__main__":
    main()
