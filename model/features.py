"""From paragraph text (and its sides) to the tokens the classifier's features are made of.

``analyse_batch`` reads a batch of paragraphs once into an ``Analysed`` batch: tokens with
their offsets, each side mention replaced by ``side_a`` / ``side_b`` (third parties by
``third_party``), and each token's voice (a party's words or the outlet's).
``model.vectorize`` turns a batch into four feature groups:

- ``words``: word 1-3-grams over the masked tokens (what is said, relative to the sides);
- ``cues``: the paragraph reduced to who-does-what cues (sides, blame and denial verbs,
  reporting verbs, negation, "each other") and 1-4-grams over that reduction, so that
  "Kabul on Saturday again accused Islamabad" and "Kabul accused Islamabad" share
  ``side_a blame side_b``;
- ``voiced``: unigrams tagged with their voice (``e:duplicity`` vs ``q:duplicity``),
  which is how the loaded head tells the outlet's words from a partisan's;
- ``lexicon``: dense counts of lexicon-strong words per voice (``model.lexicon``).

Every feature name mentions sides only as ``side_a`` / ``side_b``, so swapping the two
is a permutation of feature columns (see ``swap_feature_name``). The cue lexicon below is
the project's own: verbs and nouns of blame, denial, attack, speech, defence, mediation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from framing.model.quotes import party_flags
from framing.model.sides import MENTION_TOKENS, SIDE_A, SIDE_B, THIRD, Sides, rows_by_sides
from framing.model.tokens import index_words, tokenize

_SIDE_SWAP = {SIDE_A: SIDE_B, SIDE_B: SIDE_A}
_SIDE_TOKEN = re.compile(r"side_[ab]")

_CUES = {
    "blame": "accuse accused accuses accusing accusation accusations blame blamed blames blaming condemn condemned "
    "condemns condemning criticise criticised criticises criticising criticize criticized criticizes "
    "criticizing criticism allege alleged alleges alleging allegation allegations fault faulted charge "
    "charged responsible responsibility culprit sabotage sabotaged sabotaging obstruct obstructed "
    "obstructing undermine undermined undermining provoke provoked provocation provocations aggression "
    "aggressor violate violated violating violation violations harbour harbor harboring harbouring "
    "sheltering shelter sanctuary sanctuaries backing backed sponsor sponsored sponsoring lie lies lied "
    "lying failed failure refuse refused refusing reluctance unwilling insincere insincerity",
    "deny": "deny denied denies denying denial reject rejected rejects rejecting dismiss dismissed dismisses "
    "dismissing rebuff rebuffed refute refuted refutes baseless unfounded false",
    "attack": "attack attacked attacks attacking fire fired firing shelling shelled strike strikes struck "
    "airstrike airstrikes drone killed killing invaded invasion incursion raid raided bombing bombed",
    "say": "said says say told tells stated added claimed claims claim insisted insists argued argues "
    "maintained maintains warned warns asserted according reported statement spokesperson spokesman "
    "spokeswoman minister ministry officials official",
    "negation": "not no never neither nor without",
    "mutual": "both mutual traded trading exchanged counter",
    "mediator": "mediator mediators mediated mediation mediating broker brokered talks ceasefire truce",
    "defend": "defend defence defense retaliate retaliation respond response sovereignty protect",
}
CUE_OF = {word: cue for cue, words in _CUES.items() for word in words.split()}
CUE_OF.update({SIDE_A: SIDE_A, SIDE_B: SIDE_B, THIRD: THIRD})
CUE_NAMES = ("<none>", "<p>", "</p>", SIDE_A, SIDE_B, THIRD) + tuple(_CUES)


@dataclass
class Analysed:
    """A batch of paragraphs as the features see them, flat: paragraph k's tokens are
    ``bounds[k]:bounds[k + 1]`` (``doc``: each token's paragraph), token i is
    ``vocabulary[word_index[i]]``, with offsets ``starts``/``ends`` into its own text and
    ``party`` flags (a party's words, not the outlet's). See ``model.tokens``. Scoring,
    training, spans and attribution all read this."""

    texts: list[str]
    vocabulary: list[str]
    word_index: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    party: np.ndarray
    bounds: np.ndarray
    doc: np.ndarray

    def __len__(self) -> int:
        return len(self.texts)

    def token_rows(self, rows) -> np.ndarray:
        """Indices of the tokens of paragraphs ``rows``, paragraph after paragraph."""
        rows = np.asarray(rows, dtype=np.int64)
        first, lengths = self.bounds[rows], self.bounds[rows + 1] - self.bounds[rows]
        return np.repeat(first - (np.cumsum(lengths) - lengths), lengths) + np.arange(int(lengths.sum()))

    def take(self, rows) -> Analysed:
        """Paragraphs ``rows``, in that order, as a batch of their own (for cross-validation folds and
        subsets); the vocabulary keeps only their words."""
        rows = np.asarray(rows, dtype=np.int64)
        tokens = self.token_rows(rows)
        used, word_index = np.unique(self.word_index[tokens], return_inverse=True)
        lengths = self.bounds[rows + 1] - self.bounds[rows]
        bounds = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum(lengths, out=bounds[1:])
        return Analysed(
            [self.texts[k] for k in rows.tolist()],
            [self.vocabulary[i] for i in used.tolist()],
            word_index,
            self.starts[tokens],
            self.ends[tokens],
            self.party[tokens],
            bounds,
            np.repeat(np.arange(len(rows)), lengths),
        )

    def swapped(self) -> Analysed:
        """The batch with sides A and B trading places: every ``side_a`` token reads ``side_b`` and back
        (texts, offsets and voices stay), so it is a change of the vocabulary only."""
        return Analysed(
            self.texts,
            [_SIDE_SWAP.get(w, w) for w in self.vocabulary],
            self.word_index,
            self.starts,
            self.ends,
            self.party,
            self.bounds,
            self.doc,
        )


_NONE = np.zeros(0, dtype=np.int64)


def join(parts: list[Analysed]) -> Analysed:
    """Batches one after another as one batch (their vocabularies merged)."""
    vocabulary, place = index_words([w for part in parts for w in part.vocabulary])
    shift = np.cumsum([0] + [len(part.vocabulary) for part in parts])
    word_index = place[np.concatenate([part.word_index + s for part, s in zip(parts, shift.tolist())] + [_NONE])]
    lengths = np.concatenate([np.diff(part.bounds) for part in parts] + [_NONE])
    bounds = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=bounds[1:])
    return Analysed(
        [t for part in parts for t in part.texts],
        vocabulary,
        word_index,
        np.concatenate([part.starts for part in parts] + [_NONE]),
        np.concatenate([part.ends for part in parts] + [_NONE]),
        np.concatenate([part.party for part in parts] + [_NONE.astype(bool)]),
        bounds,
        np.repeat(np.arange(len(lengths)), lengths),
    )


def analyse_batch(texts: list[str], sides: Sides) -> Analysed:
    """Read a batch of paragraphs at once (see ``model.tokens``): words lower-cased, each side
    mention made one token ``side_a`` / ``side_b`` (third parties ``third_party``), each word's voice.
    A batch reads each paragraph as if alone."""
    tokens = tokenize(texts)
    party = party_flags(tokens)
    vocabulary, word_index = tokens.vocabulary, tokens.word_index
    start, end, doc = tokens.start, tokens.end, tokens.doc
    firsts, lasts, kinds = sides.find(tokens)
    if len(firsts):
        end, word_index = end.copy(), word_index.copy()
        word_index[firsts] = len(vocabulary) + kinds
        vocabulary = vocabulary + list(MENTION_TOKENS)
        end[firsts] = end[lasts - 1]
        longer = np.flatnonzero(lasts - firsts > 1)
        if len(longer):
            covered = np.zeros(len(word_index) + 1, dtype=np.int64)
            np.add.at(covered, firsts[longer] + 1, 1)
            np.add.at(covered, lasts[longer], -1)
            keep = np.cumsum(covered[:-1]) == 0
            start, end, doc, party, word_index = start[keep], end[keep], doc[keep], party[keep], word_index[keep]
    offset = tokens.base[doc]
    bounds = np.searchsorted(doc, np.arange(len(texts) + 1), side="left")
    return Analysed(list(texts), vocabulary, word_index, start - offset, end - offset, party, bounds, doc)


def analyse_rows(texts: list[str], sides: list[Sides], batch: int = 768) -> Analysed:
    """Paragraphs each with its own sides (training rows), as one batch in their order: read in
    batches of up to ``batch`` paragraphs that share their sides."""
    parts, order = [], []
    for rows in rows_by_sides(sides):
        for k in range(0, len(rows), batch):
            part = rows[k : k + batch]
            parts.append(analyse_batch([texts[i] for i in part], sides[part[0]]))
            order += part
    together = join(parts)
    if order == sorted(order):
        return together
    return together.take(np.argsort(np.array(order, dtype=np.int64), kind="stable"))


LEXICON_FEATURES = (
    "lex:editorial_strong",
    "lex:quoted_strong",
    "lex:editorial_valence",
    "lex:quoted_valence",
    "lex:editorial_subjective",
    "lex:quoted_subjective",
    "lex:editorial_booster",
    "lex:quoted_booster",
    "lex:party_share",
    "lex:length",
)


def swap_feature_name(name: str) -> str:
    """The feature that ``name`` becomes when sides A and B trade places."""
    return _SIDE_TOKEN.sub(lambda m: _SIDE_SWAP[m.group()], name)
