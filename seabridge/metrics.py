"""Prometheus metrics, served at /metrics from a registry of our own."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

HTTP_REQUESTS = Counter(
    "seabridge_http_requests_total",
    "HTTP requests by route and status",
    ["method", "route", "status"],
    registry=REGISTRY,
)
HTTP_LATENCY = Histogram(
    "seabridge_http_request_seconds",
    "HTTP request latency by route",
    ["method", "route"],
    registry=REGISTRY,
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
IMPORTS = Counter("seabridge_imports_total", "Store imports by outcome", ["outcome"], registry=REGISTRY)
WEBHOOKS_IN = Counter(
    "seabridge_webhooks_received_total",
    "Inbound webhooks by source and outcome",
    ["source", "outcome"],
    registry=REGISTRY,
)
