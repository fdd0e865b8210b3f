"""Outgoing HTTP to addresses a store chose (webhook endpoints): public addresses only, unless allowed.

A store admin registers a webhook URL; without a guard, Seabridge would POST
wherever that URL points, including its own loopback services (PostgreSQL,
Redis, the admin port of coturn) or a cloud metadata address, and tell the
store how they answered (server-side request forgery). Here the host is
resolved when the connection is made, every address it resolves to is
checked, and the connection goes to a checked address: a DNS answer that
changes between a check and the connection (DNS rebinding) cannot slip past.
TLS still verifies the certificate for the URL's host name (httpcore sends
the host name as SNI whatever address it connected to).

`SEABRIDGE_WEBHOOK_PRIVATE_NETWORKS=true` allows loopback, private and other
non-public addresses (a store backend on the same network as Seabridge).
Behind an egress proxy the guard sees only the proxy: enforce it there.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class BlockedAddress(httpx.ConnectError):
    """The host resolves to no address a delivery may go to."""


def is_public(address: Address) -> bool:
    """A globally routable unicast address: not loopback, private, link-local (cloud metadata),
    shared (CGNAT), multicast, reserved or unspecified; IPv4 mapped into IPv6 is judged as IPv4."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def literal_address(host: str) -> Address | None:
    """The address a URL's host names literally (`10.0.0.5`, `[::1]`), else None (a name)."""
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend with every TCP connection checked against `is_public` first."""

    def __init__(self, inner: httpcore.AsyncNetworkBackend, allow_private: bool) -> None:
        self._inner = inner
        self._allow_private = allow_private

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's signature)
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await resolve(host, port)
        allowed = [a for a in addresses if self._allow_private or is_public(a)]
        if not allowed:
            shown = ", ".join(sorted({str(a) for a in addresses})) or "nothing"
            raise BlockedAddress(
                f"{host} resolves to {shown}, not a public address"
                " (SEABRIDGE_WEBHOOK_PRIVATE_NETWORKS=true allows private networks)"
            )
        failure: Exception | None = None
        for address in allowed:
            try:
                return await self._inner.connect_tcp(
                    str(address), port, timeout=timeout, local_address=local_address, socket_options=socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        assert failure is not None
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's signature)
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise BlockedAddress("deliveries never go to a unix socket")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


async def resolve(host: str, port: int) -> list[Address]:
    """Every address `host` names (itself if it is a literal address); httpx.ConnectError if none."""
    literal = literal_address(host)
    if literal is not None:
        return [literal]
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise httpx.ConnectError(f"{host} does not resolve") from exc
    found: list[Address] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        address = ipaddress.ip_address(str(sockaddr[0]).partition("%")[0])  # drop an IPv6 zone
        if address not in found:
            found.append(address)
    return found


def guarded_transport(allow_private: bool) -> httpx.AsyncHTTPTransport:
    """httpx's transport (its pool, TLS, keep-alive) with connections made by `GuardedBackend`.

    httpx does not take a network backend, so the pool's is wrapped in place;
    tests/test_egress.py fails if a new httpx no longer has it there.
    """
    transport = httpx.AsyncHTTPTransport(retries=0)
    pool = transport._pool
    pool._network_backend = GuardedBackend(pool._network_backend, allow_private)
    return transport
