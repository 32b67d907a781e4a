"""The B2B platform's world tables, one module per part (imported here so the world schema has them)."""

from sandbox.b2b import company_models, deal_models, document_models, listing_models  # noqa: F401
