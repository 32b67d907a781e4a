"""The query language the exam teaches: words, "exact phrase", -exclude, site:host, intitle:word.

Parsing never fails: whatever is typed becomes words, phrases and operators (an operator with
nothing after it is read as a word), and the query is cut to MAX_QUERY characters first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sandbox.search.segment import fold

MAX_QUERY = 100  # characters; a longer query is cut (and the page says so)
MAX_PARTS = 20  # words, phrases and operators; more are ignored
_ASCII_MARKS = str.maketrans({"\u201c": '"', "\u201d": '"', "\uff02": '"', "\uff1a": ":", "\uff0d": "-"})
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_HOST = re.compile(r"[^0-9a-z.\-\u3400-\u9fff]")
# A token: an optional operator prefix, then a quoted phrase or a run of non-space characters.
_TOKEN = re.compile(r'(-|site:|intitle:)?(?:"([^"]*)"?|(\S+))')


@dataclass
class ParsedQuery:
    """What a query asks for (every text folded: lower case, half-width)."""

    q: str  # the query as used (control characters removed, cut to MAX_QUERY)
    words: list[str] = field(default_factory=list)  # plain words (segmented later)
    phrases: list[str] = field(default_factory=list)  # "exact phrases"
    exclude: list[str] = field(default_factory=list)  # -word or -"phrase"
    sites: list[str] = field(default_factory=list)  # site:host (any of them)
    intitle: list[str] = field(default_factory=list)  # intitle:word (each in the title)
    truncated: bool = False

    @property
    def positive(self) -> bool:
        """Whether it asks for any text (not only operators that narrow)."""
        return bool(self.words or self.phrases or self.intitle)

    def as_payload(self) -> dict[str, list[str]]:
        """The parsed parts, for the search.query event."""
        return {
            "words": self.words,
            "phrases": self.phrases,
            "exclude": self.exclude,
            "sites": self.sites,
            "intitle": self.intitle,
        }


def clean_host(raw: str) -> str:
    """A site: value as a host name (scheme, path and odd characters dropped)."""
    host = fold(raw).strip()
    host = re.sub(r"^[a-z]+://", "", host)
    host = host.split("/", 1)[0]
    return _HOST.sub("", host).strip(".-")[:120]


def parse(raw: str | None) -> ParsedQuery:
    """Read a query typed into the search box; never raises."""
    text = _CONTROL.sub(" ", raw or "").strip()
    truncated = len(text) > MAX_QUERY
    text = text[:MAX_QUERY]
    parsed = ParsedQuery(q=text, truncated=truncated)
    # Chinese quotes, colon and minus read as their ASCII counterparts (“…” -> "…", ：-> :, － -> -).
    folded = fold(text).translate(_ASCII_MARKS)
    for n, m in enumerate(_TOKEN.finditer(folded)):
        if n >= MAX_PARTS:
            break
        op, quoted, bare = m.group(1), m.group(2), m.group(3)
        value = (quoted if quoted is not None else bare or "").strip()
        if op == "site:":
            host = clean_host(value)
            if host:
                parsed.sites.append(host)
            continue
        if not value:
            continue
        if op == "-" and len(value) > 0:
            parsed.exclude.append(value)
        elif op == "intitle:":
            parsed.intitle.append(value)
        elif quoted is not None:
            parsed.phrases.append(value)
        else:
            parsed.words.append(value)
    return parsed
