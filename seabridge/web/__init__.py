"""The browser side: the buyer widget script, the agent console and the demo store page.

The TypeScript sources live in `web/` at the repository root; `scripts/bootstrap` bundles them
with esbuild into `seabridge/web/static/`, which this package serves.
"""
