"""Customers: upsert by e-mail, lookup, list."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from seabridge.db.models import Customer
from seabridge.formats import countries
from seabridge.formats.records import CustomerRecord
from seabridge.storage.paging import Page, page_of


async def upsert_customers(session: AsyncSession, store_id: int, records: list[CustomerRecord]) -> int:
    now = datetime.now(UTC)
    existing = await by_emails(session, store_id, [r.email for r in records])
    for rec in records:
        customer = existing.get(rec.email)
        if customer is None:
            customer = Customer(store_id=store_id, email=rec.email, created_at=now)
            session.add(customer)
            existing[rec.email] = customer
        customer.first_name = rec.first_name
        customer.last_name = rec.last_name
        customer.phone = rec.phone
        customer.country = rec.country
        customer.city = rec.city
        customer.language = rec.language or countries.default_language(rec.country) or ""
        customer.timezone = rec.timezone or countries.default_timezone(rec.country) or ""
        customer.accepts_marketing = rec.accepts_marketing
        customer.tags = list(rec.tags)
        customer.updated_at = now
    await session.flush()
    return len(records)


async def ensure_customer(
    session: AsyncSession,
    store_id: int,
    email: str,
    *,
    name: str,
    country: str,
    cache: dict[str, Customer],
) -> Customer:
    """The customer an order belongs to, created from the order when not imported before."""
    customer = cache.get(email)
    if customer is not None:
        return customer
    first, _, last = name.partition(" ")
    now = datetime.now(UTC)
    customer = Customer(
        store_id=store_id,
        email=email,
        first_name=first,
        last_name=last,
        country=country,
        language=countries.default_language(country) or "",
        timezone=countries.default_timezone(country) or "",
        accepts_marketing=False,
        tags=[],
        phone="",
        city="",
        created_at=now,
        updated_at=now,
    )
    session.add(customer)
    cache[email] = customer
    return customer


async def by_emails(session: AsyncSession, store_id: int, emails: list[str]) -> dict[str, Customer]:
    found: dict[str, Customer] = {}
    unique = sorted({e for e in emails if e})
    for i in range(0, len(unique), 500):
        rows = await session.scalars(
            select(Customer).where(Customer.store_id == store_id, Customer.email.in_(unique[i : i + 500]))
        )
        found.update({c.email: c for c in rows})
    return found


async def get_customer(session: AsyncSession, store_id: int, customer_id: int) -> Customer | None:
    return await session.scalar(select(Customer).where(Customer.store_id == store_id, Customer.id == customer_id))


async def get_by_email(session: AsyncSession, store_id: int, email: str) -> Customer | None:
    return await session.scalar(
        select(Customer).where(Customer.store_id == store_id, Customer.email == email.strip().lower())
    )


async def list_customers(
    session: AsyncSession,
    store_id: int,
    *,
    text: str = "",
    country: str = "",
    after_id: int = 0,
    limit: int = 50,
) -> Page[Customer]:
    stmt = select(Customer).where(Customer.store_id == store_id, Customer.id > after_id)
    if text:
        term = text.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        like = f"%{term}%"
        stmt = stmt.where(
            or_(
                Customer.email.like(like, escape="\\"),
                Customer.first_name.ilike(like, escape="\\"),
                Customer.last_name.ilike(like, escape="\\"),
            )
        )
    if country:
        stmt = stmt.where(Customer.country == country.upper())
    rows = list(await session.scalars(stmt.order_by(Customer.id).limit(limit + 1)))
    return page_of(rows, limit, rows[limit - 1].id if len(rows) > limit else None)
