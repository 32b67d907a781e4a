"""The web's pages as public documents for the search engine (registered as the source `web`)."""

from __future__ import annotations

from collections.abc import Iterator

from sandbox.web import services as web
from sandbox.web.models import Page
from sandbox.worlds.base import Event
from sandbox.worlds.public import PublicDoc, Source, register_source
from sandbox.worlds.world import World


def as_doc(page: Page) -> PublicDoc:
    """A page as search indexes it."""
    return PublicDoc(
        source="web",
        key=str(page.id),
        url=page.url,
        title=page.title,
        body=web.page_text(page),
        site=page.site.host,
        kind=page.kind,
        published_at=page.published_at,
        names=tuple(page.names),
    )


def documents(w: World) -> Iterator[PublicDoc]:
    """Every page of the web."""
    for page in web.all_pages(w):
        yield as_doc(page)


def document(w: World, key: str) -> PublicDoc | None:
    """One page by its id (None when there is none)."""
    page = web.page_by_id(w, int(key)) if key.isascii() and key.isdigit() else None
    return as_doc(page) if page is not None else None


def changed(w: World, event: Event) -> list[str]:
    """The page a `web.page_published` event published."""
    page = event.payload.get("page")
    return [str(page)] if isinstance(page, int) else []


SOURCE = register_source(
    Source(
        name="web", documents=documents, document=document, events=("web.page_published",), changed=changed
    )
)
