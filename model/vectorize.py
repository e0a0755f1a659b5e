"""From an ``Analysed`` batch to the model's sparse feature matrix, a whole batch at a time.

Scoring spends most of its time here, so after one dictionary lookup per token
everything is NumPy over the batch: n-grams become integer codes (token ids in base V),
known n-grams are found with ``searchsorted`` in sorted code tables, and TF-IDF
(sublinear tf, smooth idf, l2 norm per group, as scikit-learn's ``TfidfVectorizer``
computes it) is applied with array arithmetic. Feature groups (see ``model.features``):

- ``words``: token 1-3-grams;  ``cues``: 1-4-grams of the cue sequence;
- ``voiced``: token unigrams tagged with their voice (e: outlet, q: a party);
- ``lex``: ten dense lexicon columns (counts of lexicon-strong words per voice);
- ``charged``: per side, how negatively charged the words around its most charged mention are
  (who the paragraph casts as the wrongdoer, which n-grams over masked text miss: "the reckless
  and brutal campaign that the side_b regime waged").
"""

from __future__ import annotations

from itertools import repeat

import numpy as np
from scipy import sparse

from framing.model.features import CUE_NAMES, CUE_OF, LEXICON_FEATURES, Analysed
from framing.model.lexicon import lexicon_words, vader_valence, word_info
from framing.model.params import Params
from framing.model.sides import SIDE_A, SIDE_B
from framing.model.speech_words import PLACES_AND_PEOPLE

WORD_ORDERS = (1, 2, 3)
CUE_ORDERS = (1, 2, 3, 4)
GROUPS = ("words", "cues", "voiced")
DENSE_LOOKUP_MAX = 1 << 20
_START, _END = CUE_NAMES.index("<p>"), CUE_NAMES.index("</p>")
CHARGED_FEATURES = ("charged:side_a", "charged:side_b")
CHARGED_REACH = 4  # words on each side of a mention
CHARGED_CAP = 6.0  # summed valence beyond which a mention is as charged as it gets


class Batch:
    """An ``Analysed`` batch in a feature space's ids: token i's id is ``ids[i]`` (0: a word the model
    has not seen), looked up once per distinct word (``vocabulary_ids``)."""

    def __init__(self, analysed: Analysed, token_id: dict[str, int]):
        self.n = len(analysed)
        self.party = analysed.party
        self.vocabulary_ids = np.fromiter(
            map(token_id.get, analysed.vocabulary, repeat(0)), dtype=np.int64, count=len(analysed.vocabulary)
        )
        self.ids = self.vocabulary_ids[analysed.word_index]
        self.doc = analysed.doc
        self.lengths = np.diff(analysed.bounds)


def _ngram_codes(seq: np.ndarray, doc: np.ndarray, order: int, base: int) -> tuple[np.ndarray, np.ndarray]:
    """Codes of all n-grams of ``order`` that do not cross a paragraph boundary, and their paragraph."""
    if len(seq) < order:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    last = len(seq) - order + 1
    keep = doc[:last] == doc[order - 1 : order - 1 + last]
    code = seq[:last].copy()
    for k in range(1, order):
        code = code * base + seq[k : k + last]
    return code[keep], doc[:last][keep]


def _cue_sequence(batch: Batch, cue_of: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each paragraph's cue ids, consecutive repeats folded, framed by <p> ... </p>."""
    cues = cue_of[batch.ids]
    keep = cues > 0
    cues, doc = cues[keep], batch.doc[keep]
    if len(cues):
        fresh = np.ones(len(cues), dtype=bool)
        fresh[1:] = (cues[1:] != cues[:-1]) | (doc[1:] != doc[:-1])
        cues, doc = cues[fresh], doc[fresh]
    counts = np.bincount(doc, minlength=batch.n)
    starts = np.concatenate([[0], np.cumsum(counts + 2)[:-1]])
    out = np.empty(int((counts + 2).sum()), dtype=np.int64)
    out[starts] = _START
    out[starts + counts + 1] = _END
    if len(cues):
        first = np.concatenate([[0], np.cumsum(counts)[:-1]])
        out[starts[doc] + 1 + (np.arange(len(cues)) - first[doc])] = cues
    return out, np.repeat(np.arange(batch.n), counts + 2)


class _DenseLookup:
    """Columns of n-grams whose codes are few (unigrams, voiced words, cue patterns): an array
    from code to position (-1: not a column), one index per n-gram."""

    def __init__(self, table: np.ndarray, order: int, base: int):
        self.order, self.base = order, base
        self.position = np.full(base**order, -1, dtype=np.int64)
        self.position[table] = np.arange(len(table))

    def find(self, seq: np.ndarray, doc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        codes, docs = _ngram_codes(seq, doc, self.order, self.base)
        at = self.position[codes]
        hit = at >= 0
        return docs[hit], at[hit]


class _TrieLookup:
    """Columns of word n-grams (too many codes for an array): a trie over the table's n-grams,
    each level a dense array over (prefix so far, this position's word), the words that occur
    at a position numbered compactly. Finding a column is two lookups per word of the n-gram."""

    MAX_ENTRIES = 1 << 22

    def __init__(self, table: np.ndarray, order: int, base: int):
        self.order = order
        self.words: list[np.ndarray] = []  # per position: token id -> compact word number, or -1
        self.next: list[np.ndarray | None] = []  # per position: prefix * width + word -> next prefix (or column)
        self.widths: list[int] = []
        prefix, prefixes = np.zeros(len(table), dtype=np.int64), 1
        for j in range(order):
            digit = table // base ** (order - 1 - j) % base
            distinct, word = np.unique(digit, return_inverse=True)
            number = np.full(base, -1, dtype=np.int64)
            number[distinct] = np.arange(len(distinct))
            self.words.append(number)
            self.widths.append(len(distinct))
            if j == 0:  # a one-word prefix is its word's number: no array needed
                self.next.append(None)
                prefix, prefixes = word, len(distinct)
                continue
            if prefixes * len(distinct) > self.MAX_ENTRIES:
                raise ValueError("n-gram table too large for a dense trie")
            key = prefix * len(distinct) + word
            step = np.full(prefixes * len(distinct), -1, dtype=np.int32)
            if j == order - 1:  # the table is sorted and distinct: its own positions end the walk
                step[key] = np.arange(len(table))
            else:
                distinct_keys, prefix = np.unique(key, return_inverse=True)
                step[distinct_keys] = np.arange(len(distinct_keys))
                prefixes = len(distinct_keys)
            self.next.append(step)

    def find(self, seq: np.ndarray, doc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        last = len(seq) - self.order + 1
        if last <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        at = np.flatnonzero(
            (self.words[0][seq[:last]] >= 0) & (doc[:last] == doc[self.order - 1 : self.order - 1 + last])
        )
        state = self.words[0][seq[at]]
        for j in range(1, self.order):
            word = self.words[j][seq[at + j]]
            live = word >= 0
            at, state = at[live], self.next[j][state[live] * self.widths[j] + word[live]].astype(np.int64)
            live = state >= 0
            at, state = at[live], state[live]
        return doc[at], state


class _SortedLookup:
    """Columns of n-grams by binary search in the sorted table (when no other lookup fits)."""

    def __init__(self, table: np.ndarray, order: int, base: int):
        self.table, self.order, self.base = table, order, base

    def find(self, seq: np.ndarray, doc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        codes, docs = _ngram_codes(seq, doc, self.order, self.base)
        at = np.minimum(np.searchsorted(self.table, codes), len(self.table) - 1)
        hit = self.table[at] == codes
        return docs[hit], at[hit]


class FeatureSpace(Params):
    """The featuriser, a transformer: ``Analysed`` batches in, TF-IDF n-gram and lexicon columns out."""

    def __init__(self, min_df: int = 2):
        self.min_df = min_df

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        return np.array(self.feature_names, dtype=object)

    def fit(self, analysed: Analysed, y=None) -> FeatureSpace:
        words = {analysed.vocabulary[i] for i in np.unique(analysed.word_index).tolist()}
        vocabulary = ["<unk>"] + sorted(words | set(lexicon_words()) | set(CUE_OF))
        self.token_id = {t: i for i, t in enumerate(vocabulary)}
        self.tokens = vocabulary
        if len(vocabulary) ** max(WORD_ORDERS) >= 2**62:
            raise ValueError("vocabulary too large for 64-bit n-gram codes")
        self.cue_of = np.array([CUE_NAMES.index(CUE_OF[t]) if t in CUE_OF else 0 for t in vocabulary], dtype=np.int64)
        info = [word_info(t) for t in vocabulary]
        self.lex_valence = np.array([i[0] for i in info])
        self.lex_subjective = np.array([i[1] >= 0.6 for i in info], dtype=float)
        self.lex_booster = np.array([i[2] for i in info], dtype=float)
        valence = vader_valence()
        self.signed_valence = np.array([valence.get(t, 0.0) for t in vocabulary])
        self.place_word = np.array([t in PLACES_AND_PEOPLE for t in vocabulary])

        batch = Batch(analysed, self.token_id)
        self.tables: list[tuple[str, int, np.ndarray]] = []
        idf: list[np.ndarray] = []
        self.group_of_column: list[np.ndarray] = []
        for group, order, codes, docs in self._all_codes(batch):
            pairs = np.unique(docs * (1 << 40) + codes) if len(codes) else np.zeros(0, dtype=np.int64)
            table, df = np.unique(pairs % (1 << 40), return_counts=True)
            known = df >= self.min_df
            self.tables.append((group, order, table[known]))
            idf.append(np.log((1 + batch.n) / (1 + df[known])) + 1.0)
            self.group_of_column.append(np.full(known.sum(), GROUPS.index(group)))
        self.offsets = np.concatenate([[0], np.cumsum([len(t) for _, _, t in self.tables])])
        self.idf = np.concatenate(idf)
        self.group_of_column = np.concatenate(self.group_of_column)
        self.feature_names = self._names() + list(LEXICON_FEATURES) + list(CHARGED_FEATURES)
        return self

    def _all_codes(self, batch: Batch):
        V = len(self.tokens)
        for order in WORD_ORDERS:
            yield ("words", order, *_ngram_codes(batch.ids, batch.doc, order, V))
        cues, cue_doc = _cue_sequence(batch, self.cue_of)
        for order in CUE_ORDERS:
            yield ("cues", order, *_ngram_codes(cues, cue_doc, order, len(CUE_NAMES)))
        yield ("voiced", 1, batch.ids * 2 + batch.party, batch.doc)

    def _names(self) -> list[str]:
        names = []
        for group, order, table in self.tables:
            base, vocab = (len(CUE_NAMES), CUE_NAMES) if group == "cues" else (len(self.tokens), self.tokens)
            for code in table.tolist():
                if group == "voiced":
                    names.append(f"voiced:{'q' if code % 2 else 'e'}:{vocab[code // 2]}")
                    continue
                parts = []
                for _ in range(order):
                    code, digit = divmod(code, base)
                    parts.append(vocab[digit])
                names.append(f"{group}:{' '.join(reversed(parts))}")
        return names

    def batch(self, analysed: Analysed) -> Batch:
        return Batch(analysed, self.token_id)

    def transform(self, analysed: Analysed | Batch) -> sparse.csr_matrix:
        tfidf, dense = self.transform_parts(analysed)
        return sparse.hstack([tfidf, sparse.csr_matrix(dense)], format="csr")

    def transform_parts(self, analysed: Analysed | Batch) -> tuple[sparse.csr_matrix, np.ndarray]:
        """The TF-IDF columns (sparse) and the lexicon and charged columns (dense), unstacked."""
        batch = analysed if isinstance(analysed, Batch) else Batch(analysed, self.token_id)
        n_sparse = int(self.offsets[-1])
        bits = max(n_sparse - 1, 1).bit_length()  # a (paragraph, column) pair is paragraph << bits | column
        cues, cue_doc = _cue_sequence(batch, self.cue_of)
        sequences = {
            "words": (batch.ids, batch.doc),
            "cues": (cues, cue_doc),
            "voiced": (batch.ids * 2 + batch.party, batch.doc),
        }
        found = []
        for (group, _, table), lookup, offset in zip(self.tables, self._lookups(), self.offsets):
            if len(table):
                docs, at = lookup.find(*sequences[group])
                found.append((docs << bits) | (at + offset))
        if found:
            keys, counts = np.unique(np.concatenate(found), return_counts=True)
        else:
            keys, counts = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        row, col = keys >> bits, keys & ((1 << bits) - 1)
        weight = (1.0 + np.log(counts)) * self.idf[col]
        slot = row * len(GROUPS) + self.group_of_column[col]
        norms = np.sqrt(np.bincount(slot, weights=weight * weight, minlength=batch.n * len(GROUPS)))
        weight = weight / norms[slot]
        indptr = np.zeros(batch.n + 1, dtype=np.int64)
        np.cumsum(np.bincount(row, minlength=batch.n), out=indptr[1:])
        tfidf = sparse.csr_matrix((weight, col.astype(np.int32), indptr), shape=(batch.n, n_sparse))
        if not hasattr(self, "signed_valence"):  # a model fitted before the charged columns
            return tfidf, self._lexicon(batch)
        return tfidf, np.hstack([self._lexicon(batch), self._charged(batch)])

    def _lookups(self) -> list:
        """How each n-gram table finds its columns: a dense array where the codes are few
        (unigrams, voiced words, cue patterns), a dense trie for word bigrams and trigrams, a
        binary search if neither fits. Built at first use, not pickled."""
        cached = getattr(self, "_lookup_cache", None)
        if cached is None:
            cached = []
            for group, order, table in self.tables:
                base = len(CUE_NAMES) if group == "cues" else len(self.tokens) * (2 if group == "voiced" else 1)
                if base**order <= DENSE_LOOKUP_MAX:
                    cached.append(_DenseLookup(table, order, base))
                    continue
                try:
                    cached.append(_TrieLookup(table, order, base))
                except ValueError:
                    cached.append(_SortedLookup(table, order, base))
            self._lookup_cache = cached
        return cached

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_lookup_cache", None)
        return state

    def _lexicon(self, batch: Batch) -> np.ndarray:
        """Dense lexicon evidence per voice, scaled to about [0, 1] (see LEXICON_FEATURES)."""
        slot = batch.doc * 2 + batch.party
        size = batch.n * 2
        valence = self.lex_valence[batch.ids]
        sums = [
            np.bincount(slot, weights=w, minlength=size).reshape(batch.n, 2)
            for w in (
                (valence >= 0.5).astype(float),
                valence,
                self.lex_subjective[batch.ids],
                self.lex_booster[batch.ids],
            )
        ]
        scaled = np.log1p(np.hstack(sums)) / np.log(8)
        lengths = np.maximum(batch.lengths, 1)
        party_share = np.bincount(batch.doc, weights=batch.party.astype(float), minlength=batch.n) / lengths
        length = np.minimum(1.0, np.log1p(lengths) / np.log(400))
        return np.column_stack([scaled, party_share, length])

    def _charged(self, batch: Batch) -> np.ndarray:
        """Per paragraph and side (``CHARGED_FEATURES``): minus the VADER valence summed over the
        window of ``CHARGED_REACH`` words each way around the side's most negatively framed mention,
        within the paragraph, from 0 up to ``CHARGED_CAP``, scaled by 3. A mention followed by a
        place or people word ("the Afghan border", "Afghan civilians") names no actor and is passed over."""
        ids, doc = batch.ids, batch.doc
        out = np.zeros((batch.n, 2))
        if not len(ids):
            return out
        cumulative = np.concatenate([[0.0], np.cumsum(self.signed_valence[ids])])
        bounds = np.concatenate([[0], np.cumsum(batch.lengths)])
        at = np.arange(len(ids))
        window = cumulative[np.minimum(at + CHARGED_REACH + 1, bounds[doc + 1])]
        window = window - cumulative[np.maximum(at - CHARGED_REACH, bounds[doc])]
        place_next = np.zeros(len(ids), dtype=bool)
        place_next[:-1] = self.place_word[ids[1:]] & (doc[1:] == doc[:-1])
        for column, side in enumerate((SIDE_A, SIDE_B)):
            mention = (ids == self.token_id.get(side, -1)) & ~place_next
            np.maximum.at(out[:, column], doc[mention], -window[mention])
        return np.minimum(out, CHARGED_CAP) / 3.0
