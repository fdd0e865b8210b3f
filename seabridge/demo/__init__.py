"""The demo store: a generated, believable cross-border shop.

`seabridge.demo.generator.generate_store` writes a complete *store folder*
(``store.toml``, Shopify-style ``products.csv``, ``customers.csv`` and
``orders.csv``, AfterShip-style ``tracking.jsonl`` and product images) that the
normal importer loads. It is deterministic for a given seed and clock, and every
date is relative to that clock, so late parcels stay late whenever it runs.
"""
