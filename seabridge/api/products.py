"""Catalog: product search, product by id or handle, and categories."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from seabridge.api.deps import Caller, Session
from seabridge.api.errors import ApiError, not_found
from seabridge.api.schemas import Categories, Cursor, Limit, ObjectId, Page, ProductOut, after_id, errors
from seabridge.storage import catalog

router = APIRouter(prefix="/v1", tags=["catalog"])


def _attribute_filters(raw: list[str]) -> tuple[tuple[str, str], ...]:
    pairs: list[tuple[str, str]] = []
    bad: list[dict[str, object]] = []
    for item in raw:
        name, sep, value = item.partition(":")
        if not sep or not name.strip() or not value.strip():
            bad.append({"location": ["query", "attribute"], "reason": f"expected name:value, got {item!r}"})
            continue
        pairs.append((name.strip(), value.strip()))
    if bad:
        raise ApiError(422, "request is not valid", details=bad)
    return tuple(pairs)


@router.get("/products", summary="Search products", response_model=Page[ProductOut], responses=errors(400, 401, 422))
async def search_products(
    caller: Caller,
    session: Session,
    cursor: Cursor = None,
    q: Annotated[
        str, Query(max_length=200, description="Words that must all appear; case and accents are ignored")
    ] = "",
    category: Annotated[str, Query(max_length=255, description="Exact product type, as in `GET /v1/categories`")] = "",
    min_price: Annotated[
        Decimal | None, Query(ge=0, max_digits=12, decimal_places=2, description="Some variant costs at least this")
    ] = None,
    max_price: Annotated[
        Decimal | None, Query(ge=0, max_digits=12, decimal_places=2, description="Some variant costs at most this")
    ] = None,
    attribute: Annotated[
        list[str],
        Query(
            max_length=20,
            description="`name:value`, repeatable; the value "
            "matches a part of the attribute, ignoring case and accents",
        ),
    ] = [],  # noqa: B006
    in_stock: Annotated[bool | None, Query(description="true: some variant is available; false: none is")] = None,
    status: Annotated[Literal["active", "draft", "archived"] | None, Query()] = None,
    limit: Limit = 50,
) -> Page[ProductOut]:
    """Products with their variants and attributes, in id order. Every filter narrows the
    result. A variant without tracked stock counts as available."""
    query = catalog.ProductQuery(
        text=q,
        category=category,
        min_price=min_price,
        max_price=max_price,
        attributes=_attribute_filters(attribute),
        in_stock=in_stock,
        status=status,
    )
    page = await catalog.search_products(session, caller.store_id, query, after_id=after_id(cursor), limit=limit)
    return Page[ProductOut].model_validate(page)


@router.get(
    "/products/by-handle/{handle}",
    summary="Get a product by handle",
    response_model=ProductOut,
    responses=errors(401, 404, 422),
)
async def get_product_by_handle(
    handle: Annotated[str, Path(max_length=255, description="The Shopify handle, e.g. `linen-shirt`")],
    caller: Caller,
    session: Session,
) -> ProductOut:
    """The handle is the product's URL name in the storefront."""
    product = await catalog.get_product_by_handle(session, caller.store_id, handle)
    if product is None:
        raise not_found("product")
    return ProductOut.model_validate(product)


@router.get(
    "/products/{product_id}", summary="Get a product", response_model=ProductOut, responses=errors(401, 404, 422)
)
async def get_product(product_id: ObjectId, caller: Caller, session: Session) -> ProductOut:
    """One product with its variants, attributes, images and size chart."""
    product = await catalog.get_product(session, caller.store_id, product_id)
    if product is None:
        raise not_found("product")
    return ProductOut.model_validate(product)


@router.get("/categories", summary="List categories", response_model=Categories, responses=errors(401))
async def list_categories(caller: Caller, session: Session) -> Categories:
    """The distinct product types of the store, sorted; use one as `category` in a search."""
    return Categories(items=await catalog.categories(session, caller.store_id))
