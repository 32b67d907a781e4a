"""Result snippets: the stretch of a document's text with most of the query in it, matches in <mark>.

The text is HTML-escaped piece by piece; only the <mark> tags are markup, so a document holding
`<script>` shows it as text.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from sandbox.search.segment import fold

WIDTH = 120  # characters of a snippet
LEAD = 24  # characters shown before the first match


def _matches(folded: str, needles: list[str]) -> list[tuple[int, int, str]]:
    """Non-overlapping (start, end, needle) matches, longer needles first at a position."""
    spans: list[tuple[int, int, str]] = []
    for needle in sorted({n for n in needles if n}, key=len, reverse=True):
        start = folded.find(needle)
        while start >= 0:
            end = start + len(needle)
            if not any(s < end and start < e for s, e, _ in spans):
                spans.append((start, end, needle))
            start = folded.find(needle, start + 1)
    return sorted(spans)


def highlight(text: str, needles: list[str], start: int = 0, end: int | None = None) -> Markup:
    """`text[start:end]` escaped, with every needle (compared folded) in <mark>."""
    end = len(text) if end is None else end
    folded = fold(text)
    out, pos = [], start
    for s, e, _ in _matches(folded, needles):
        if s < start or e > end:
            continue
        out.append(escape(text[pos:s]))
        out.append(Markup("<mark>") + escape(text[s:e]) + Markup("</mark>"))
        pos = e
    out.append(escape(text[pos:end]))
    return Markup("").join(out)


def snippet(text: str, needles: list[str], width: int = WIDTH) -> Markup:
    """The best window of the text for the needles, highlighted, with … where it is cut."""
    text = " ".join(text.split())
    if len(text) <= width:
        return highlight(text, needles)
    matches = _matches(fold(text), needles)
    best, best_key = 0, (-1, -1)
    for s, _, _ in matches:
        begin = max(0, s - LEAD)
        inside = [m for m in matches if m[0] >= begin and m[1] <= begin + width]
        key = (len({m[2] for m in inside}), len(inside))
        if key > best_key:
            best, best_key = begin, key
    stop = min(len(text), best + width)
    body = highlight(text, needles, best, stop)
    return (
        (Markup("…") if best > 0 else Markup("")) + body + (Markup("…") if stop < len(text) else Markup(""))
    )
