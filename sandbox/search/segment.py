"""Chinese segmentation for the index and for queries, the same way in every world.

jieba's default tokenizer is process-global (other code adds words to it), so search keeps its own
`jieba.Tokenizer` on the pinned base dictionary, loaded once per process on first use, and never
adds a word to it. A world's proper names (the documents' `names`: companies, brands, products)
are its user dictionary, applied by `NameMatcher` before jieba and stored in the world, so indexing
and querying of one world segment alike whatever other worlds hold.

A document's terms are every dictionary word found at any position (jieba's DAG: full-mode
recall), every run of Latin letters and digits, and every occurrence of a world name. So a query
word of two or more Chinese characters that is a dictionary word is a term of exactly the documents
whose text contains it. A query is cut in jieba's precise mode; runs of single characters it leaves
(words the dictionary does not know, e.g. "恒达") become literals, matched as substrings.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import jieba

_LOCK = threading.Lock()
_TOKENIZER: jieba.Tokenizer | None = None
MAX_TERM = 40  # longer runs of letters and digits are not terms (no 10,000-character "words")
# Words too common to mean anything in a query or an index (single characters never become terms).
STOPWORDS = frozenset(
    "的 了 和 与 及 或 在 是 为 对 等 也 就 都 而 着 之 其 这 那 个 把 被 从 以 于 将 并 且 但 则 吗 呢 吧 啊 "
    "我们 你们 他们 它们 一个 没有 可以 进行 以及 等等 这个 那个 这些 那些 the a an of and or to in for".split()
)
_RUNS = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[0-9a-z\u00c0-\u024f]+")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def _fold_table() -> dict[int, str]:
    """Letters and digits: full-width to half-width, compatibility forms and upper to lower case, one
    character for one (punctuation is left as it is: it is never part of a term)."""
    table = {}
    for cp in range(0x10000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        c = chr(cp)
        folded = unicodedata.normalize("NFKC", c).lower()
        if len(folded) == 1 and folded != c and folded.isalnum():
            table[cp] = folded
    return table


_FOLD = _fold_table()
# Most characters (Chinese ones) fold to themselves: find the others with one scan in C.
_TO_FOLD = re.compile("[" + "".join(re.escape(chr(cp)) for cp in sorted(_FOLD)) + "]")


def _fold_one(m: re.Match[str]) -> str:
    return _FOLD[ord(m.group())]


def fold(text: str) -> str:
    """Text as search compares it: same length, lower case, half-width (Ａ４ -> a4)."""
    if text.isascii():
        return text.lower()
    return _TO_FOLD.sub(_fold_one, text)


def tokenizer() -> jieba.Tokenizer:
    """search's own jieba tokenizer on the base dictionary (loaded once per process)."""
    global _TOKENIZER
    if _TOKENIZER is None:
        with _LOCK:
            if _TOKENIZER is None:
                jieba.setLogLevel(logging.WARNING)
                tk = jieba.Tokenizer()
                tk.initialize()
                _TOKENIZER = tk
    return _TOKENIZER


def clean_name(name: str) -> list[str]:
    """The user-dictionary entries a document's name gives (its whitespace-separated parts)."""
    out = []
    for part in fold(name).split():
        part = part.strip()
        if 2 <= len(part) <= MAX_TERM and any(ch.isalnum() for ch in part) and part not in STOPWORDS:
            out.append(part)
    return out


class NameMatcher:
    """Finds a world's names in text (its user dictionary)."""

    def __init__(self, names: Iterable[str]) -> None:
        self.by_first: dict[str, list[str]] = {}
        for name in sorted(set(names), key=lambda n: (-len(n), n)):
            self.by_first.setdefault(name[0], []).append(name)

    def all(self, text: str) -> list[tuple[int, str]]:
        """Every occurrence of every name (overlapping), as (position, name)."""
        found = []
        first = self.by_first
        if not first:
            return found
        for i, ch in enumerate(text):
            for name in first.get(ch, ()):
                if text.startswith(name, i):
                    found.append((i, name))
        return found

    def longest(self, text: str) -> list[tuple[int, str]]:
        """Names read left to right, longest first, not overlapping."""
        found, i = [], 0
        while i < len(text):
            for name in self.by_first.get(text[i], ()):
                if text.startswith(name, i):
                    found.append((i, name))
                    i += len(name)
                    break
            else:
                i += 1
        return found


def _useful(term: str) -> bool:
    return 1 < len(term) <= MAX_TERM and term not in STOPWORDS


def text_terms(text: str, names: NameMatcher) -> Counter[str]:
    """The terms of a text with their counts (the index side)."""
    folded = fold(text)
    counts: Counter[str] = Counter()
    tk = tokenizer()
    for m in _RUNS.finditer(folded):
        run = m.group()
        if not _CJK.match(run):
            if len(run) <= MAX_TERM and run not in STOPWORDS:
                counts[run] += 1
            continue
        dag = tk.get_DAG(run)
        for k, ends in dag.items():
            for j in ends:
                if j > k:
                    word = run[k : j + 1]
                    if _useful(word):
                        counts[word] += 1
    for _, name in names.all(folded):
        counts[name] += 1
    return counts


@dataclass(frozen=True)
class Unit:
    """One piece of a query: a term looked up in the index, or a literal matched as a substring."""

    text: str
    literal: bool = False


def query_units(text: str, names: NameMatcher) -> list[Unit]:
    """A query's words (the query side): names, dictionary words, letter-digit runs and literals."""
    folded = fold(text)
    units: list[Unit] = []
    for part in folded.split():
        spans = names.longest(part)
        pos = 0
        for start, name in [*spans, (len(part), "")]:
            units.extend(_plain_units(part[pos:start]))
            if name:
                units.append(Unit(name))
            pos = start + len(name)
    seen, out = set(), []
    for u in units:
        if u not in seen:
            seen.add(u)
            out.append(u)
    return out


def _plain_units(text: str) -> list[Unit]:
    """Units of a stretch of query text with no name in it."""
    units: list[Unit] = []
    tk = tokenizer()
    for m in _RUNS.finditer(text):
        run = m.group()
        if not _CJK.match(run):
            if len(run) <= MAX_TERM and run not in STOPWORDS:
                units.append(Unit(run))
            continue
        single = ""
        for word in tk.cut(run, HMM=False):
            if len(word) == 1:
                single += word
                continue
            if single:
                units.extend(_literal(single))
                single = ""
            if _useful(word):
                units.append(Unit(word))
        if single:
            units.extend(_literal(single))
    return units


def _literal(chars: str) -> list[Unit]:
    """A run of single characters: a literal, unless it is only a stop word."""
    if len(chars) == 1 and chars in STOPWORDS:
        return []
    return [Unit(chars, literal=True)]
