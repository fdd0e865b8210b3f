"""Products, variants and attributes: upsert from import records, search, fetch."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import TypeVar

from sqlalchemy import Select, and_, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from seabridge.db.models import Product, ProductAttribute, Variant
from seabridge.formats.csvutil import fold
from seabridge.formats.records import ProductRecord, VariantRecord
from seabridge.formats.shopify_products import options_key as options_key
from seabridge.storage.paging import Page, page_of

_TAG = re.compile(r"<[^>]+>")
_T = TypeVar("_T")


def normalize(text: str) -> str:
    """Lower case, accents folded, whitespace collapsed: what search compares.

    The same folding makes option values equal (`options_key`), so the parser's
    duplicate check and the database's unique key agree."""
    return fold(text)


def plain_text(body_html: str) -> str:
    return " ".join(html.unescape(_TAG.sub(" ", body_html)).split())


def _search_text(rec: ProductRecord) -> str:
    parts = [
        rec.title,
        rec.product_type,
        rec.category,
        rec.vendor,
        " ".join(rec.tags),
        plain_text(rec.body_html),
    ]
    parts += [f"{k} {v}" for k, v in rec.attributes]
    parts += [v for var in rec.variants for _, v in var.options]
    parts += [var.sku for var in rec.variants]
    return normalize(" ".join(parts))


def _variant_title(v: VariantRecord) -> str:
    return " / ".join(value for _, value in v.options) or "Default"


@dataclass(frozen=True, slots=True)
class SkuConflict:
    """A SKU of the import that a product outside the import already has."""

    sku: str
    row: int  # the row of the import that wants it
    owner_handle: str


async def claim_skus(session: AsyncSession, store_id: int, records: Sequence[ProductRecord]) -> list[SkuConflict]:
    """Check every SKU of an import against the store before anything is upserted.

    A SKU held by another product is a conflict, unless that product is in the same
    import and no longer lists the SKU (the seller moved it): then the old variant's
    SKU is cleared here, so the move cannot trip the unique key. One query per chunk
    of SKUs. Nothing is changed when there is a conflict.
    """
    wanted: dict[str, tuple[str, int]] = {}
    skus_of: dict[str, set[str]] = {}
    for rec in records:
        skus_of.setdefault(rec.handle, set())
        for vrec in rec.variants:
            if vrec.sku:
                wanted[vrec.sku] = (rec.handle, vrec.row)
                skus_of[rec.handle].add(vrec.sku)
    conflicts: list[SkuConflict] = []
    moved: list[int] = []
    for chunk in _chunks(sorted(wanted), 500):
        rows = await session.execute(
            select(Variant.id, Variant.sku, Product.handle)
            .join(Product, Variant.product_id == Product.id)
            .where(Variant.store_id == store_id, Variant.sku.in_(chunk))
        )
        for variant_id, sku, owner in rows:
            if sku is None or sku not in wanted:
                continue
            handle, row = wanted[sku]
            if owner == handle:
                continue
            if owner in skus_of and sku not in skus_of[owner]:
                moved.append(variant_id)
            else:
                conflicts.append(SkuConflict(sku, row, owner))
    if conflicts:
        return sorted(conflicts, key=lambda c: (c.row, c.sku))
    for ids in _chunks(moved, 500):
        await session.execute(
            update(Variant)
            .where(Variant.store_id == store_id, Variant.id.in_(ids))
            .values(sku=None)
            .execution_options(synchronize_session="fetch")
        )
    return []


_Plan = tuple[Product, ProductRecord, list[tuple[VariantRecord, Variant | None]]]


async def upsert_products(session: AsyncSession, store_id: int, records: list[ProductRecord]) -> int:
    """Insert or update by handle; variants matched by SKU, else by option values.

    SKUs held by products outside `records` must have been checked with `claim_skus`.
    Variants are rewritten in two steps so that SKUs and option values may move
    between the variants of a product (or a removed variant) without ever holding
    the same unique value twice: first the changing variants are parked (no SKU, a
    placeholder key) and the removed ones deleted, then the final values are set.
    """
    now = datetime.now(UTC)
    handles = [r.handle for r in records]
    existing: dict[str, Product] = {}
    for chunk in _chunks(handles, 500):
        rows = await session.scalars(
            select(Product)
            .where(Product.store_id == store_id, Product.handle.in_(chunk))
            .options(selectinload(Product.variants), selectinload(Product.attributes))
        )
        existing.update({p.handle: p for p in rows})
    plans: list[_Plan] = []
    parked = False
    for rec in records:
        product = existing.get(rec.handle)
        prices = [v.price for v in rec.variants] or [Decimal(0)]
        if product is None:
            product = Product(store_id=store_id, handle=rec.handle, created_at=now)
            product.variants = []
            product.attributes = []
            session.add(product)
            existing[rec.handle] = product
        product.title = rec.title
        product.body_html = rec.body_html
        product.vendor = rec.vendor
        product.product_type = rec.product_type
        product.category = rec.category
        product.tags = list(rec.tags)
        product.status = rec.status
        product.images = list(rec.images)
        product.size_chart = rec.size_chart
        product.search_text = _search_text(rec)
        product.min_price = min(prices)
        product.max_price = max(prices)
        product.updated_at = now
        _merge_attributes(product, store_id, rec)
        matches = _match_variants(product, rec)
        parked = _park_variants(product, matches) or parked
        plans.append((product, rec, matches))
    if parked:
        await session.flush()
    for product, _, matches in plans:
        _write_variants(product, store_id, matches)
    await session.flush()
    return len(records)


def _merge_attributes(product: Product, store_id: int, rec: ProductRecord) -> None:
    by_name = {a.name: a for a in product.attributes}
    wanted = dict(rec.attributes)
    for name in list(by_name):
        if name not in wanted:
            product.attributes.remove(by_name.pop(name))
    for name, value in wanted.items():
        attr = by_name.get(name)
        if attr is None:
            attr = ProductAttribute(store_id=store_id, name=name)
            product.attributes.append(attr)
        attr.value = value
        attr.value_norm = normalize(value)[:255]


def _match_variants(product: Product, rec: ProductRecord) -> list[tuple[VariantRecord, Variant | None]]:
    """The stored variant each row updates: a SKU match first, else the same option values."""
    by_sku = {v.sku: v for v in product.variants if v.sku}
    by_key = {v.options_key: v for v in product.variants}
    taken: set[int] = set()
    found: list[Variant | None] = []
    for vrec in rec.variants:
        variant = by_sku.get(vrec.sku) if vrec.sku else None
        if variant is not None:
            taken.add(id(variant))
        found.append(variant)
    for index, vrec in enumerate(rec.variants):
        if found[index] is None:
            variant = by_key.get(options_key(vrec.options))
            if variant is not None and id(variant) not in taken:
                taken.add(id(variant))
                found[index] = variant
    return list(zip(rec.variants, found, strict=True))


def _park_variants(product: Product, matches: list[tuple[VariantRecord, Variant | None]]) -> bool:
    """Step one of the rewrite; True when something must be flushed first."""
    kept = {id(variant) for _, variant in matches if variant is not None}
    removed = [v for v in product.variants if id(v) not in kept]
    changed = False
    for vrec, variant in matches:
        if variant is None or variant.id is None:
            continue
        if variant.sku != (vrec.sku or None) or variant.options_key != options_key(vrec.options):
            # A placeholder no real key can equal (real keys are "default" or contain "=").
            variant.sku = None
            variant.options_key = f"~{variant.id}"
            changed = True
    if removed:
        product.variants[:] = [v for v in product.variants if id(v) in kept]
        changed = True
    return changed


def _write_variants(product: Product, store_id: int, matches: list[tuple[VariantRecord, Variant | None]]) -> None:
    keep: list[Variant] = []
    for position, (vrec, found) in enumerate(matches, start=1):
        variant = found if found is not None else Variant(store_id=store_id)
        variant.position = position
        variant.sku = vrec.sku or None
        variant.options = [[n, v] for n, v in vrec.options]
        variant.options_key = options_key(vrec.options)
        variant.title = _variant_title(vrec)
        variant.price = vrec.price
        variant.compare_at_price = vrec.compare_at_price
        variant.inventory_qty = vrec.inventory_qty
        variant.grams = vrec.grams
        variant.barcode = vrec.barcode
        variant.image = vrec.image
        keep.append(variant)
    product.variants[:] = keep


def _chunks(items: Sequence[_T], size: int) -> list[list[_T]]:
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


@dataclass(frozen=True, slots=True)
class ProductQuery:
    text: str = ""
    category: str = ""
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    attributes: tuple[tuple[str, str], ...] = ()
    in_stock: bool | None = None
    status: str | None = None


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _filtered(store_id: int, q: ProductQuery) -> Select[Product]:
    stmt = select(Product).where(Product.store_id == store_id)
    for term in normalize(q.text).split():
        stmt = stmt.where(Product.search_text.like(f"%{_escape_like(term)}%", escape="\\"))
    if q.category:
        stmt = stmt.where(Product.product_type == q.category)
    if q.min_price is not None:
        stmt = stmt.where(Product.max_price >= q.min_price)
    if q.max_price is not None:
        stmt = stmt.where(Product.min_price <= q.max_price)
    if q.status:
        stmt = stmt.where(Product.status == q.status)
    for name, value in q.attributes:
        stmt = stmt.where(
            exists().where(
                and_(
                    ProductAttribute.product_id == Product.id,
                    ProductAttribute.name == name,
                    ProductAttribute.value_norm.like(f"%{_escape_like(normalize(value))}%", escape="\\"),
                )
            )
        )
    if q.in_stock is not None:
        stocked = exists().where(
            and_(
                Variant.product_id == Product.id,
                (Variant.inventory_qty > 0) | Variant.inventory_qty.is_(None),
            )
        )
        stmt = stmt.where(stocked if q.in_stock else ~stocked)
    return stmt


async def search_products(
    session: AsyncSession, store_id: int, q: ProductQuery, *, after_id: int = 0, limit: int = 50
) -> Page[Product]:
    stmt = (
        _filtered(store_id, q)
        .where(Product.id > after_id)
        .order_by(Product.id)
        .limit(limit + 1)
        .options(selectinload(Product.variants), selectinload(Product.attributes))
    )
    rows = list(await session.scalars(stmt))
    return page_of(rows, limit, rows[limit - 1].id if len(rows) > limit else None)


async def get_product(session: AsyncSession, store_id: int, product_id: int) -> Product | None:
    return await session.scalar(
        select(Product)
        .where(Product.store_id == store_id, Product.id == product_id)
        .options(selectinload(Product.variants), selectinload(Product.attributes))
    )


async def get_product_by_handle(session: AsyncSession, store_id: int, handle: str) -> Product | None:
    return await session.scalar(
        select(Product)
        .where(Product.store_id == store_id, Product.handle == handle)
        .options(selectinload(Product.variants), selectinload(Product.attributes))
    )


async def variants_by_sku(session: AsyncSession, store_id: int, skus: list[str]) -> dict[str, Variant]:
    found: dict[str, Variant] = {}
    for chunk in _chunks(sorted(set(skus)), 500):
        rows = await session.scalars(select(Variant).where(Variant.store_id == store_id, Variant.sku.in_(chunk)))
        found.update({v.sku: v for v in rows if v.sku})
    return found


async def categories(session: AsyncSession, store_id: int) -> list[str]:
    rows = await session.scalars(
        select(Product.product_type).where(Product.store_id == store_id).distinct().order_by(Product.product_type)
    )
    return [r for r in rows if r]
