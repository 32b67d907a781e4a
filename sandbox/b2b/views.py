"""The B2B platform's pages: the trade board and members (views_market), the documents (views_docs),
the deals (views_deals)."""

from sandbox.b2b import views_deals, views_docs, views_market

bps = [views_market.bp, views_docs.bp, views_deals.bp]
