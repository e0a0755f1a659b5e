"""``framing report``: each outlet's source-bias profile from score-folder output, as one
self-contained HTML file (inline SVG plots drawn with matplotlib, an inline table-sorting
script; nothing is fetched when it opens).

Per outlet and per article: paragraphs scored, mean lean with a 95% interval, the share of
paragraphs by direction, voice share (how many paragraphs give each side's blame a voice:
its own direction plus ``mutual``), the share of paragraphs labelled editorial and quoted
loaded language, the mean framing score and the most frequent loaded phrases (with their
voice). Plots: mean lean by outlet with its interval, loaded-language rates by outlet,
direction shares by outlet.

The interval of an outlet's mean lean treats articles as clusters (paragraphs of one
article are not independent): a ratio estimator with a cluster-robust standard error and
a t quantile on (articles - 1) degrees of freedom. With a single article it falls back to
the paragraphs of that article, and says so.

The results are read as a stream (``.jsonl`` or ``.csv`` as score-folder writes them);
memory grows with the number of articles and outlets, not with paragraphs. Rows that are
not score-folder rows are skipped and counted, never fatal, unless none is left.

Lean and direction only mean something within one dispute, so a report covers one: the one
with the most paragraphs in the results, or the one ``dispute`` names; the page and the
summary say which other disputes the results hold. Paragraphs that name no side of any known
dispute (direction ``none`` with a warning) are left out and counted.
"""

from __future__ import annotations

import collections
import csv
import functools
import html
import io
import math
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import jinja2
import orjson
from markupsafe import Markup

from framing.model.disputes import NO_SIDE_WARNING
from framing.model.results import LOADED_LABELS
from framing.paths import TEMPLATES_DIR
from framing.service.folder.rows import directions_of_columns, unflatten

DEFAULT_MAX_ARTICLES = 5000
PLOT_OUTLETS = 40
OUTLET_PHRASES, ARTICLE_PHRASES = 8, 3
_SPACES = re.compile(r"\s+")
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


class ReportError(Exception):
    """The report cannot be written; ``code`` is the exit code a CLI should use."""

    def __init__(self, message: str, code: int = 2):
        super().__init__(message)
        self.code = code


@dataclass
class ReportSummary:
    results: Path
    out: Path
    outlets: int
    articles: int
    paragraphs: int
    articles_shown: int
    skipped_rows: collections.Counter = field(default_factory=collections.Counter)
    dispute: str = ""
    other_disputes: collections.Counter = field(default_factory=collections.Counter)

    def lines(self) -> list[str]:
        lines = [
            f"report on {_count(self.paragraphs, 'paragraph')} of {self.dispute} in "
            f"{_count(self.articles, 'article')} from {_count(self.outlets, 'outlet')}: {self.out}"
        ]
        if self.other_disputes:
            others = ", ".join(f"{name} ({n})" for name, n in self.other_disputes.most_common())
            lines.append(f"the results also hold other disputes ({others}); --dispute NAME reports on one")
        if self.articles_shown < self.articles:
            lines.append(
                f"the article table shows the {self.articles_shown} articles with the highest mean framing "
                f"score (of {self.articles})"
            )
        if self.skipped_rows:
            kinds = ", ".join(f"{n} {why}" for why, n in self.skipped_rows.most_common())
            lines.append(f"skipped {sum(self.skipped_rows.values())} rows of {self.results} ({kinds})")
        return lines


# --------------------------------------------------------------------------- reading


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _read_jsonl(path: Path) -> Iterator[dict | str]:
    with open(path, "rb") as handle:
        for raw in handle:
            if not raw.strip():
                continue
            try:
                row = orjson.loads(raw)  # a parser in C: the report reads the results three times
            except ValueError:
                yield "not JSON" if raw.endswith(b"\n") else "unfinished last line"
                continue
            yield row if isinstance(row, dict) else "not a JSON object"


def _read_csv(path: Path) -> Iterator[dict | str]:
    with open(path, encoding="utf-8", newline="", errors="replace") as handle:
        reader = csv.reader(handle)
        try:
            header = next(reader)
        except StopIteration:
            return
        except csv.Error:
            raise ReportError(f"{path} is not a CSV file written by score-folder") from None
        directions = directions_of_columns(header)
        if "path" not in header or "direction.label" not in header or len(directions) != 4:
            raise ReportError(
                f"{path} does not have the columns score-folder writes (path, direction.label, "
                f"direction.probabilities.*, ...)"
            )
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error:
                yield "not valid CSV"
                continue
            if len(cells) != len(header):
                yield "wrong number of fields"
                continue
            try:
                yield unflatten(dict(zip(header, cells)), directions)
            except (KeyError, ValueError):
                yield "bad field value"


def read_results(path: Path) -> Iterator[dict | str]:
    """Rows of a score-folder output (``.jsonl`` or ``.csv``); a string says why a row is unusable."""
    path = Path(path)
    if not path.exists():
        raise ReportError(f"{path} does not exist")
    if not path.is_file():
        raise ReportError(f"{path} is not a file")
    suffix = path.suffix.lower()
    if suffix not in (".jsonl", ".csv"):
        raise ReportError(f"{path}: results must be the .jsonl or .csv that score-folder wrote")
    try:
        yield from (_read_jsonl(path) if suffix == ".jsonl" else _read_csv(path))
    except OSError as exc:
        raise ReportError(f"cannot read {path}: {exc.strerror or exc}", 1) from None


# --------------------------------------------------------------------------- figures


def _phrase(text: str) -> str:
    return _SPACES.sub(" ", text).strip().lower()


class Stats:
    """Running figures of a group of paragraphs (an article or an outlet)."""

    __slots__ = ("n", "lean_sum", "lean_sq", "framing_sum", "directions", "loaded", "phrases")

    def __init__(self):
        self.n = 0
        self.lean_sum = self.lean_sq = self.framing_sum = 0.0
        self.directions = [0, 0, 0, 0]
        self.loaded = [0, 0, 0]
        self.phrases: collections.Counter | None = None

    def add(self, lean: float, framing: float, direction: int, loaded: int, spans: list[tuple[str, str]]):
        self.n += 1
        self.lean_sum += lean
        self.lean_sq += lean * lean
        self.framing_sum += framing
        self.directions[direction] += 1
        self.loaded[loaded] += 1
        if spans:
            if self.phrases is None:
                self.phrases = collections.Counter()
            self.phrases.update(spans)

    def merge(self, other: Stats) -> None:
        self.n += other.n
        self.lean_sum += other.lean_sum
        self.lean_sq += other.lean_sq
        self.framing_sum += other.framing_sum
        self.directions = [a + b for a, b in zip(self.directions, other.directions)]
        self.loaded = [a + b for a, b in zip(self.loaded, other.loaded)]
        if other.phrases:
            if self.phrases is None:
                self.phrases = collections.Counter()
            self.phrases.update(other.phrases)

    @property
    def mean_lean(self) -> float:
        return self.lean_sum / self.n

    def shares(self) -> dict:
        n = self.n
        d, l = self.directions, self.loaded
        return {
            "directions": [c / n for c in d],
            "voice_a": (d[0] + d[2]) / n,
            "voice_b": (d[1] + d[2]) / n,
            "quoted": l[1] / n,
            "editorial": l[2] / n,
            "framing": self.framing_sum / n,
        }

    def top_phrases(self, k: int) -> list[tuple[str, str, int]]:
        if not self.phrases:
            return []
        return [
            (text, voice, count)
            for (text, voice), count in sorted(self.phrases.items(), key=lambda item: (-item[1], item[0]))[:k]
        ]


def _t_quantile(df: int) -> float:
    from scipy.stats import t

    return float(t.ppf(0.975, df))


def paragraph_interval(stats: Stats) -> tuple[float, float] | None:
    """95% t-interval of the mean lean treating the paragraphs as independent."""
    n = stats.n
    if n < 2:
        return None
    mean = stats.mean_lean
    variance = max(stats.lean_sq - n * mean * mean, 0.0) / (n - 1)
    half = _t_quantile(n - 1) * math.sqrt(variance / n)
    return max(mean - half, -1.0), min(mean + half, 1.0)


def clustered_interval(sums: list[float], counts: list[int]) -> tuple[float, float] | None:
    """95% interval of sum(sums)/sum(counts) with articles as clusters (needs two or more)."""
    k = len(sums)
    total = sum(counts)
    if k < 2 or total == 0:
        return None
    mean = sum(sums) / total
    residual = sum((s - mean * c) ** 2 for s, c in zip(sums, counts))
    se = math.sqrt(k / (k - 1) * residual) / total
    half = _t_quantile(k - 1) * se
    return max(mean - half, -1.0), min(mean + half, 1.0)


@dataclass
class Article:
    path: str
    line: int | None
    outlet: str
    id: str | None
    stats: Stats

    @property
    def name(self) -> str:
        return f"{self.path}:{self.line}" if self.line is not None else self.path


@dataclass
class Outlet:
    name: str
    stats: Stats = field(default_factory=Stats)
    sums: list = field(default_factory=list)
    counts: list = field(default_factory=list)
    interval: tuple[float, float] | None = None
    interval_method: str = ""


@dataclass
class Profile:
    directions: tuple[str, ...]
    outlets: dict[str, Outlet]
    articles: list[Article]
    model_versions: collections.Counter
    skipped: collections.Counter
    paragraphs: int
    dispute: str = ""
    other_disputes: collections.Counter = field(default_factory=collections.Counter)

    @property
    def side_names(self) -> tuple[str, str]:
        a, b = self.directions[0].split("->", 1)
        return a, b


def row_dispute(row: dict) -> str | None:
    """The dispute a results row was read with; None for a paragraph that names no known side."""
    if row.get("warning") == NO_SIDE_WARNING:
        return None
    sides = row.get("sides")
    if isinstance(sides, dict) and isinstance(sides.get("dispute"), str):
        return sides["dispute"]
    names = list(row["direction"]["probabilities"])
    return "-".join(names[0].split("->", 1)) if names and "->" in names[0] else None


def disputes_in(rows) -> collections.Counter:
    """Paragraphs per dispute in the results (rows naming no known side are not counted)."""
    found: collections.Counter = collections.Counter()
    for row in rows:
        if isinstance(row, dict):
            try:
                dispute = row_dispute(row)
            except (KeyError, TypeError, AttributeError):
                continue
            if dispute:
                found[dispute] += 1
    return found


def profile(rows, dispute: str | None = None) -> Profile:
    """Aggregate score-folder rows (dicts, or strings naming why a row was unusable) of one
    dispute: ``dispute``, or (None) the first met."""
    skipped: collections.Counter = collections.Counter()
    directions: tuple[str, ...] | None = None
    index: dict[str, int] = {}
    loaded_index = {name: i for i, name in enumerate(LOADED_LABELS)}
    articles: dict[tuple, Article] = {}
    versions: collections.Counter = collections.Counter()
    paragraphs = 0
    for row in rows:
        if isinstance(row, str):
            skipped[row] += 1
            continue
        try:
            probabilities = row["direction"]["probabilities"]
            label = row["direction"]["label"]
            loaded = loaded_index[row["loaded"]["label"]]
            lean = float(row["lean"])
            framing = float(row["framing_score"])
            path = row["path"]
            outlet = row.get("outlet") or "unknown"
            spans = [
                (_phrase(s["text"]), s["voice"])
                for s in row["loaded"].get("spans") or []
                if isinstance(s, dict) and isinstance(s.get("text"), str) and s.get("voice") in ("quoted", "editorial")
            ]
            key = (path, row.get("line"), row.get("article_hash"))
        except (KeyError, TypeError, ValueError, AttributeError):
            skipped["missing or bad fields"] += 1
            continue
        if not isinstance(path, str) or not math.isfinite(lean) or not math.isfinite(framing):
            skipped["missing or bad fields"] += 1
            continue
        try:
            own = row_dispute(row)
        except (KeyError, TypeError, AttributeError):
            own = ""
        if own is None:
            skipped["naming no side of a known dispute"] += 1
            continue
        if dispute is not None and own != dispute:
            continue
        names = tuple(probabilities) if isinstance(probabilities, dict) else ()
        if directions is None:
            if len(names) != 4 or names[2:] != ("mutual", "none") or "->" not in names[0]:
                skipped["missing or bad fields"] += 1
                continue
            directions = names
            index = {name: i for i, name in enumerate(directions)}
        if names != directions:
            skipped["scored with other sides"] += 1
            continue
        if label not in index:
            skipped["missing or bad fields"] += 1
            continue
        article = articles.get(key)
        if article is None:
            line = row.get("line")
            article = articles[key] = Article(
                path, line if isinstance(line, int) else None, str(outlet), row.get("id"), Stats()
            )
        article.stats.add(lean, framing, index[label], loaded, spans)
        versions[str(row.get("model_version"))] += 1
        paragraphs += 1
    if directions is None or not articles:
        return Profile(directions or (), {}, [], versions, skipped, 0)
    outlets: dict[str, Outlet] = {}
    for article in articles.values():
        outlet = outlets.get(article.outlet)
        if outlet is None:
            outlet = outlets[article.outlet] = Outlet(article.outlet)
        outlet.stats.merge(article.stats)
        outlet.sums.append(article.stats.lean_sum)
        outlet.counts.append(article.stats.n)
    for outlet in outlets.values():
        outlet.interval = clustered_interval(outlet.sums, outlet.counts)
        outlet.interval_method = "articles"
        if outlet.interval is None:
            outlet.interval = paragraph_interval(outlet.stats)
            outlet.interval_method = "paragraphs (one article)" if outlet.interval else ""
    return Profile(directions, outlets, list(articles.values()), versions, skipped, paragraphs)


# --------------------------------------------------------------------------- plots

_COLOURS = {
    "a": "#2f6db5",
    "b": "#d9822b",
    "mutual": "#8a5fb0",
    "none": "#b9bfca",
    "editorial": "#c0392b",
    "quoted": "#2a9d8f",
}


def _label(text: str, width: int = 38) -> str:
    return text if len(text) <= width else text[: width - 1] + "\u2026"


def _svg(figure, salt: str) -> str:
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": salt}):
        figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def _figure(rows: int):
    from matplotlib.figure import Figure

    return Figure(figsize=(7.5, max(2.2, 0.9 + 0.34 * rows)), dpi=96)


def plot_lean(outlets: list[Outlet], sides: tuple[str, str]) -> str:
    ordered = sorted(outlets, key=lambda o: o.stats.mean_lean)
    figure = _figure(len(ordered))
    axes = figure.add_subplot()
    ys = list(range(len(ordered)))
    for y, outlet in zip(ys, ordered):
        mean = outlet.stats.mean_lean
        colour = _COLOURS["a"] if mean > 0 else _COLOURS["b"]
        if outlet.interval:
            low, high = outlet.interval
            axes.plot([low, high], [y, y], color=colour, linewidth=2.2, alpha=0.55, solid_capstyle="butt")
        axes.plot([mean], [y], marker="o", color=colour, markersize=6)
    axes.axvline(0, color="#5b6475", linewidth=0.8)
    axes.set_yticks(ys, [_label(o.name) for o in ordered])
    axes.set_xlim(-1, 1)
    axes.set_ylim(-0.7, len(ordered) - 0.3)
    a, b = sides
    axes.set_xlabel("mean lean, with its 95% interval")
    axes.text(
        0.0,
        1.01,
        f"\u2190 {b} blames {a}",
        transform=axes.transAxes,
        ha="left",
        va="bottom",
        fontsize=8,
        color=_COLOURS["b"],
    )
    axes.text(
        1.0,
        1.01,
        f"{a} blames {b} \u2192",
        transform=axes.transAxes,
        ha="right",
        va="bottom",
        fontsize=8,
        color=_COLOURS["a"],
    )
    axes.grid(axis="x", color="#e3e6ec", linewidth=0.6)
    axes.set_axisbelow(True)
    for spine in ("top", "right"):
        axes.spines[spine].set_visible(False)
    return _svg(figure, "lean")


def plot_loaded(outlets: list[Outlet]) -> str:
    ordered = sorted(outlets, key=lambda o: o.stats.shares()["editorial"])
    figure = _figure(len(ordered))
    axes = figure.add_subplot()
    ys = list(range(len(ordered)))
    height = 0.38
    editorial = [100 * o.stats.shares()["editorial"] for o in ordered]
    quoted = [100 * o.stats.shares()["quoted"] for o in ordered]
    axes.barh(
        [y + height / 2 for y in ys],
        editorial,
        height=height,
        color=_COLOURS["editorial"],
        label="editorial (outlet's own voice)",
    )
    axes.barh([y - height / 2 for y in ys], quoted, height=height, color=_COLOURS["quoted"], label="quoted only")
    axes.set_yticks(ys, [_label(o.name) for o in ordered])
    axes.set_xlabel("% of paragraphs with loaded language")
    axes.set_xlim(0, max(editorial + quoted + [10]) * 1.1)
    axes.legend(
        loc="upper center", bbox_to_anchor=(0.5, -0.28 - 0.6 / max(len(ordered), 1)), ncol=2, frameon=False, fontsize=8
    )
    axes.grid(axis="x", color="#e3e6ec", linewidth=0.6)
    axes.set_axisbelow(True)
    for spine in ("top", "right"):
        axes.spines[spine].set_visible(False)
    return _svg(figure, "loaded")


def plot_directions(outlets: list[Outlet], directions: tuple[str, ...]) -> str:
    ordered = sorted(outlets, key=lambda o: o.stats.shares()["directions"][0] - o.stats.shares()["directions"][1])
    figure = _figure(len(ordered))
    axes = figure.add_subplot()
    ys = list(range(len(ordered)))
    left = [0.0] * len(ordered)
    for i, (name, colour) in enumerate(zip(directions, ("a", "b", "mutual", "none"))):
        widths = [100 * o.stats.shares()["directions"][i] for o in ordered]
        axes.barh(ys, widths, left=left, color=_COLOURS[colour], label=name.replace("->", " \u2192 "), height=0.6)
        left = [l + w for l, w in zip(left, widths)]
    axes.set_yticks(ys, [_label(o.name) for o in ordered])
    axes.set_xlim(0, 100)
    axes.set_xlabel("% of paragraphs by direction (who blames whom)")
    axes.legend(
        loc="upper center", bbox_to_anchor=(0.5, -0.28 - 0.6 / max(len(ordered), 1)), ncol=4, frameon=False, fontsize=8
    )
    for spine in ("top", "right"):
        axes.spines[spine].set_visible(False)
    return _svg(figure, "directions")


# --------------------------------------------------------------------------- HTML


def _html_escape(value):
    """What a template prints: markup (macro output, the SVGs) as it is, anything else through
    html.escape, whose entities (&quot;, &#x27;) reports have always had; markupsafe's autoescape
    would write &#34; and &#39;."""
    if hasattr(value, "__html__"):
        return value
    return Markup(html.escape(str(value), quote=True))


def _signed(value: float) -> str:
    return f"{value:+.2f}".replace("-", "\u2212")


def _pct(value: float) -> str:
    return f"{100 * value:.0f}%"


@functools.cache
def _templates() -> jinja2.Environment:
    """The report's templates (service/templates), autoescaped, failing on a missing variable."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        finalize=_html_escape,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters.update(signed=_signed, pct=_pct, g6=lambda value: f"{value:.6g}", plural=_count)
    return env


def _figures(stats: Stats, interval, method: str, phrases: int) -> dict:
    """A table row's figures: lean with its interval, shares, framing, top phrases."""
    return {
        "paragraphs": stats.n,
        "lean": stats.mean_lean,
        "interval": interval,
        "interval_title": f"95% interval by {method}" if method else "95% interval",
        **stats.shares(),
        "phrases": stats.top_phrases(phrases),
    }


def outlet_rows(profile_: Profile) -> list[dict]:
    """The outlet table's rows, most paragraphs first."""
    return [
        {
            "outlet": outlet.name,
            "articles": len(outlet.counts),
            **_figures(outlet.stats, outlet.interval, outlet.interval_method, OUTLET_PHRASES),
        }
        for outlet in sorted(profile_.outlets.values(), key=lambda o: (-o.stats.n, o.name))
    ]


def article_rows(articles: list[Article]) -> list[dict]:
    """The article table's rows."""
    return [
        {
            "outlet": article.outlet,
            "article": article.name,
            "id": article.id or "",
            **_figures(article.stats, paragraph_interval(article.stats), "paragraphs", ARTICLE_PHRASES),
        }
        for article in articles
    ]


def _definitions(sides: tuple[str, str]) -> list[tuple[str, str]]:
    a, b = sides
    return [
        (
            "lean",
            f"per paragraph P({a}\u2192{b}) \u2212 P({b}\u2192{a}), from \u22121 to +1; positive: the paragraph "
            f"carries {a}'s blame of {b}. The mean is over paragraphs.",
        ),
        (
            "95% interval",
            "for an outlet, articles are treated as clusters (a cluster-robust interval of the mean "
            "over its articles' paragraphs); with one article, and for single articles, the paragraphs "
            "are treated as independent. Wide intervals mean few articles.",
        ),
        (
            "direction shares",
            "the share of paragraphs whose most likely direction is each label "
            "(who blames whom; mutual: both ways; none: no blame between the sides).",
        ),
        (
            "voice share",
            f"voice {a}: the share of paragraphs giving {a}'s blame a voice ({a}\u2192{b} or mutual); "
            f"voice {b} likewise.",
        ),
        (
            "editorial / quoted",
            "the share of paragraphs labelled editorial (the outlet's own words are loaded) and "
            "quoted (loaded words only inside quotes or attributed speech).",
        ),
        ("framing", "the mean framing score (0: neutral and factual, 1: one-sided and charged)."),
        (
            "top loaded phrases",
            "the loaded words and phrases found most often, with their voice: (e) editorial, "
            "(q) quoted, and how many times.",
        ),
    ]


def render(profile_: Profile, results: Path, max_articles: int = DEFAULT_MAX_ARTICLES) -> tuple[str, int]:
    """The report's HTML and how many articles its table shows."""
    sides = profile_.side_names
    outlets = list(profile_.outlets.values())
    plotted = sorted(outlets, key=lambda o: (-o.stats.n, o.name))[:PLOT_OUTLETS]
    # matplotlib's SVG escapes the outlet names it draws, so the markup is passed through as is
    plots = [
        {
            "name": "lean",
            "svg": Markup(plot_lean(plotted, sides)),
            "wide": False,
            "caption": f"Mean lean by outlet. Right of zero: more of {sides[0]}'s blame of {sides[1]}; "
            "left: the reverse.",
        },
        {
            "name": "loaded",
            "svg": Markup(plot_loaded(plotted)),
            "wide": False,
            "caption": "Loaded language by outlet: editorial (the outlet's own voice) and "
            "quoted only, as a share of the outlet's paragraphs.",
        },
        {
            "name": "directions",
            "svg": Markup(plot_directions(plotted, profile_.directions)),
            "caption": "Who blames whom, by outlet.",
            "wide": True,
        },
    ]
    ordered = sorted(profile_.articles, key=lambda a: (a.outlet, a.path, a.line if a.line is not None else -1))
    if len(ordered) > max_articles:
        keep = sorted(ordered, key=lambda a: -a.stats.framing_sum / a.stats.n)[:max_articles]
        chosen = {id(a) for a in keep}
        ordered = [a for a in ordered if id(a) in chosen]
        articles_note = (
            f"The {len(ordered)} articles (of {len(profile_.articles)}) with the highest mean framing "
            f"score; every paragraph's figures are in {results.name}. Click a column to sort."
        )
    else:
        articles_note = "One row per article; click a column to sort."
    total = Stats()
    for outlet in outlets:
        total.merge(outlet.stats)
    notes = []
    if len(outlets) > len(plotted):
        notes.append(
            f"The plots show the {len(plotted)} outlets with the most paragraphs; the table has all {len(outlets)}."
        )
    if profile_.other_disputes:
        others = ", ".join(f"{name} ({_count(n, 'paragraph')})" for name, n in profile_.other_disputes.most_common())
        notes.append(
            f"This report is on {profile_.dispute}. The results also hold {others}: "
            f"'framing report {results.name} --dispute NAME' reports on one of them."
        )
    if profile_.skipped:
        kinds = ", ".join(f"{n} {why}" for why, n in profile_.skipped.most_common())
        notes.append(f"Skipped {sum(profile_.skipped.values())} rows of the results ({kinds}).")
    if len(profile_.model_versions) > 1:
        notes.append(
            "The results mix several model versions; figures from different versions are not strictly comparable."
        )
    page = (
        _templates()
        .get_template("report.html.j2")
        .render(
            results_name=results.name,
            columns={"sides": sides, "directions": [d.replace("->", " \u2192 ") for d in profile_.directions]},
            versions=", ".join(v for v, _ in profile_.model_versions.most_common()),
            generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            facts=[
                ("outlets", len(outlets)),
                ("articles", len(profile_.articles)),
                ("paragraphs", profile_.paragraphs),
                ("mean lean", _signed(total.mean_lean)),
                ("editorial", _pct(total.shares()["editorial"])),
                ("quoted", _pct(total.shares()["quoted"])),
            ],
            notes=notes,
            plots=plots,
            outlets=outlet_rows(profile_),
            articles_note=articles_note,
            articles=article_rows(ordered),
            drilldown_outlets=drilldown(results, profile_),
            definitions=_definitions(sides),
        )
    )
    return page, len(ordered)


DRILLDOWN_PARAGRAPHS = 40


def drilldown(results: Path, profile_: Profile, per_outlet: int = DRILLDOWN_PARAGRAPHS) -> list[dict]:
    """Per outlet, its most framed paragraphs (up to ``per_outlet``) with their labels and text in
    segments by loaded span, read in a second pass over the results so memory stays bounded."""
    import heapq

    best: dict[str, list] = {}
    for k, row in enumerate(read_results(results)):
        shown = _shown_row(row, profile_.directions)
        if shown is None:
            continue  # the rows the profile skipped (and counted) are skipped here too
        item = (shown["framing_score"], -k, shown)
        heap = best.setdefault(shown["outlet"], [])
        if len(heap) < per_outlet:
            heapq.heappush(heap, item)
        elif item[:2] > heap[0][:2]:
            heapq.heapreplace(heap, item)
    parts = []
    for outlet in sorted(profile_.outlets.values(), key=lambda o: (-o.stats.n, o.name)):
        rows = [r for _, _, r in sorted(best.get(outlet.name, []), key=lambda item: item[:2], reverse=True)]
        for r in rows:
            r["segments"] = _segments(r.pop("text"), r.pop("spans"))
        parts.append({"name": outlet.name, "paragraphs": outlet.stats.n, "rows": rows})
    return parts


def _shown_row(row, directions: tuple[str, ...]) -> dict | None:
    """What the drill-down shows of a results row, or None for a row the profile could not use."""
    try:
        if tuple(row["direction"]["probabilities"]) != tuple(directions) or row_dispute(row) is None:
            return None
        return {
            "outlet": row.get("outlet") or "unknown",
            "framing_score": float(row["framing_score"]),
            "direction": row["direction"]["label"],
            "loaded": row["loaded"]["label"],
            "spans": list(row["loaded"]["spans"]),
            "text": str(row["text"]),
            "path": str(row["path"]),
            "paragraph": int(row["paragraph"]),
        }
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


def _segments(text: str, spans: list[dict]) -> list[tuple[str, str | None]]:
    """The paragraph in pieces, each with the voice of the loaded span it is (or None); a span
    overlapping an earlier one is dropped."""
    out, at = [], 0
    for span in sorted(spans, key=lambda s: s["start"]):
        if span["start"] < at:
            continue
        out.append((text[at : span["start"]], None))
        out.append((text[span["start"] : span["end"]], "editorial" if span["voice"] == "editorial" else "quoted"))
        at = span["end"]
    out.append((text[at:], None))
    return out


def write_report(
    results: Path, out: Path, *, max_articles: int = DEFAULT_MAX_ARTICLES, dispute: str | None = None
) -> ReportSummary:
    """Read score-folder ``results`` and write the HTML profile to ``out``; raises ``ReportError``."""
    results, out = Path(results), Path(out)
    if out.suffix.lower() not in (".html", ".htm"):
        raise ReportError(f"--out must be an .html file (got {out.name!r})")
    if out.exists() and out.is_dir():
        raise ReportError(f"--out {out} is a folder")
    if max_articles < 1:
        raise ReportError("max_articles must be at least 1")
    found = disputes_in(read_results(results))
    if dispute is not None and dispute not in found:
        held = ", ".join(found) or "none"
        raise ReportError(f"{results} holds no paragraphs of dispute {dispute!r} (it holds: {held})")
    chosen = dispute or (found.most_common(1)[0][0] if found else None)
    aggregated = profile(read_results(results), chosen)
    aggregated.dispute = chosen or "-".join(aggregated.side_names) if aggregated.directions else ""
    aggregated.other_disputes = collections.Counter({k: n for k, n in found.items() if k != chosen})
    if not aggregated.articles:
        why = ""
        if aggregated.skipped:
            why = " (" + ", ".join(f"{n} {k}" for k, n in aggregated.skipped.most_common()) + ")"
        raise ReportError(f"{results} holds no usable score-folder rows{why}")
    page, shown = render(aggregated, results, max_articles)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(f".{out.name}.tmp")
        tmp.write_text(page, encoding="utf-8")
        tmp.replace(out)
    except OSError as exc:
        raise ReportError(f"cannot write {out}: {exc.strerror or exc}", 1) from None
    return ReportSummary(
        results,
        out,
        len(aggregated.outlets),
        len(aggregated.articles),
        aggregated.paragraphs,
        shown,
        aggregated.skipped,
        aggregated.dispute,
        aggregated.other_disputes,
    )
