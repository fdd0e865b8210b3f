"""An in-memory search index over one store's active catalog, rebuilt when the catalog changes.

Buyers search in their own language; the engine maps their words to the
English catalog words (`[terms]` and `[colors]` of each language file) and
passes them here with any English words they typed. Ranking is BM25 over
fields weighted by how much they say about the product (title over type and
tags over attributes), filtered by colour and price. A catalog of a few
thousand products searches in well under a millisecond, which a SQL LIKE
could not rank at all.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from seabridge.agent.description import sentences
from seabridge.agent.views import ProductView, VariantView
from seabridge.db.models import Product

_WORD = re.compile(r"[a-z0-9]+")
# colours buyers name for one another: an ivory shirt is what "cream" (crème, アイボリー...) asks for
_COLOUR_KIN = {"cream": ("cream", "ivory", "ecru"), "ivory": ("ivory", "cream", "ecru")}
_OTHER_COLOUR = 0.4  # the weight of a product that does not come in the colour asked for
# "head": the kind of product its title names (a watch band is of the watches' category, but a watch is what
# "any watches?" asks for); "synonyms": the catalog words buyers' words map to, when the shop says it otherwise
_FIELD_WEIGHTS = {
    "title": 3.0,
    "head": 2.0,
    "type": 2.0,
    "tags": 1.5,
    "colors": 1.5,
    "attributes": 1.0,
    "synonyms": 1.0,
    "options": 1.0,
    "description": 0.5,  # the shop's sentences: "10-day battery", "alignment frame included"
}
_K1, _B = 1.2, 0.5
_STOP = frozenset(
    [
        "a",
        "an",
        "and",
        "the",
        "of",
        "for",
        "with",
        "to",
        "in",
        "on",
        "at",
        "is",
        "are",
        "do",
        "you",
        "have",
        "any",
        "some",
        "i",
        "me",
        "my",
        "it",
        "this",
        "that",
        "what",
        "which",
    ]
)


def words(text: str) -> list[str]:
    return [_stem(w) for w in _WORD.findall(text.lower()) if w not in _STOP]


def _stem(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("ches", "shes", "sses", "xes", "zes")):  # watches, boxes; not cases
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


@dataclass(frozen=True, slots=True)
class SearchQuery:
    terms: tuple[str, ...] = ()  # English catalog words (from the language files, or typed in English)
    colors: tuple[str, ...] = ()
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    limit: int = 3
    # found even when a kind named is one the store does not sell: a buyer's own words for an item they
    # ordered ("the connector kit one" for the push-to-connect fittings kit), matched against their orders
    loose: bool = False

    def arguments(self) -> dict[str, Any]:
        return {
            "terms": list(self.terms),
            "colors": list(self.colors),
            "min_price": str(self.min_price) if self.min_price is not None else None,
            "max_price": str(self.max_price) if self.max_price is not None else None,
        }


@functools.cache
def kinds_of_products() -> frozenset[str]:
    """The catalog words that name kinds of product in any shop ("leggings", "helmet"), as searched: the
    English vocabulary's words for products, before its materials and the attributes buyers search by."""
    text = (Path(__file__).parent / "vocabulary" / "en.toml").read_text(encoding="utf-8")
    products, _, described = text.partition("# --- materials ---")
    values = re.compile(r'^"[^"]+" = "([^"]+)"', re.MULTILINE)
    # a one-word value there is a material or an attribute ("linen", "waterproof"); "instant tent" is a kind
    attributes = {w for v in values.findall(described) if len(said := words(v)) == 1 for w in said}
    # "2-person" says how many a tent sleeps, not what it is
    kinds = {w for v in values.findall(products) if not v[:1].isdigit() for w in words(v)[-1:]}
    return frozenset(kinds - attributes)


# Title words that say how a product is sold, not what it is: the word before them is a kind too ("Brush Set")
_PACKAGING = frozenset({"set", "kit", "pack", "pair", "combo", "duo", "assortment", "bundle"})
# Category words that name no kind of product: "Storage & Organization", "Power & Electrical Supplies"
_NO_KIND = frozenset(
    {"organization", "supply", "system", "control", "accessory", "care", "cleaning", "cooking", "power", "decor"}
)
_UNITS = frozenset({"c", "ml", "l", "mm", "cm", "lm", "ct", "pcs", "mah", "w", "v", "oz", "g", "kg"})


def _noun(piece: str) -> bool:
    """Whether a title word may be the noun that names the product (not a model mark, unit or style word)."""
    if not piece.replace("-", "").isalpha() or (len(piece) >= 2 and piece.isupper()):
        return False  # a model mark or an acronym: "IPX7", "SPF", "USB"
    if "-" in piece and piece.lower().rsplit("-", 1)[-1] in _PARTICLES:
        return False  # "Button-Down", "Slip-On", "Zip-Up": a style, said of a noun the title leaves out
    return piece.lower() not in _UNITS and piece.lower() not in _STOP  # "Set of 3"


# the last part of a style compound ("Button-Down", "Pull-On"): the word it ends in names no product
_PARTICLES = frozenset({"down", "up", "on", "off", "in", "out", "over", "back", "front", "top"})


def kinds(title: str, category: str = "") -> frozenset[str]:
    """The kinds of product a catalog entry is: the head noun of its title and the words of its category's leaf.

    English titles put the noun last, before a "with ..." or "for ..." and
    model marks ("Mini Bluetooth Speaker IPX7" is a speaker, "Waterproof
    Roll-Top Dry Bag" a bag); the category's leaf ("Coats & Jackets") names
    the kind in the shop's own words, so a windbreaker is also a jacket.
    """
    core = re.split(r"\s(?:with|for)\s", re.sub(r"\(.*?\)", " ", title), maxsplit=1, flags=re.IGNORECASE)[0]
    before = re.split(r"\sto\s", core, maxsplit=1, flags=re.IGNORECASE)[0]
    if before.split() and _noun(before.split()[-1]):  # "Adapter to ...", but "USB-C to USB-C Cable" is a cable
        core = before
    pieces = core.split()
    if pieces and "-" in pieces[-1] and pieces[-1].lower().rsplit("-", 1)[-1] in _PARTICLES:
        pieces = []  # "Oversized Oxford Button-Down": the title names a style, not the noun (see `CatalogIndex.build`)
    out: set[str] = set()

    noun = _noun

    def stem(piece: str) -> str:
        return _stem(piece.lower().split("-")[-1])  # "O-Ring" is a ring

    nouns = [i for i, piece in enumerate(pieces) if noun(piece)]
    if nouns:
        head = nouns[-1]
        if head == 0 and len(pieces) > 1 and pieces[1].isupper():
            head = 1  # "Portable SSD USB 3.2": the adjective opens the title, the kind is the mark after it
        out.add(stem(pieces[head]))
        if stem(pieces[head]) in _PACKAGING and len(nouns) >= 2:
            out.add(stem(pieces[nouns[-2]]))  # "Vegan Makeup Brush Set": brushes
    for i, piece in enumerate(pieces[1:], start=1):
        if piece == "&" and noun(pieces[i - 1]):
            out.add(stem(pieces[i - 1]))  # "Jade Roller & Gua Sha Set": a roller too
    for part in category.split(">")[-1].split("&"):  # the leaf's nouns: "Coats & Jackets", "Mobile Phone Cases"
        last = part.split()[-1:]
        if last and stem(last[0]) not in _NO_KIND:
            out.add(stem(last[0]))
    return frozenset(out)


@dataclass(slots=True)
class _Doc:
    view: ProductView
    fields: dict[str, Counter[str]]
    length: float
    color_words: frozenset[str]
    title_words: frozenset[str]
    kinds: frozenset[str]


@dataclass(slots=True)
class CatalogIndex:
    docs: list[_Doc] = field(default_factory=list)
    by_id: dict[int, ProductView] = field(default_factory=dict)
    df: Counter[str] = field(default_factory=Counter)
    # words of what the products are, sold as or named (the description aside): a buyer's word the catalog knows
    known: set[str] = field(default_factory=set)
    own_words: dict[int, frozenset[str]] = field(default_factory=dict)  # product id -> `known` words of it alone
    avg_length: float = 1.0
    kinds: frozenset[str] = frozenset()  # every kind of product the catalog holds

    @classmethod
    def build(cls, products: list[Product]) -> CatalogIndex:
        index = cls()
        for product in products:
            view = product_view(product)
            described = f"{view.title} {product.product_type} {' '.join(product.tags)}"
            fields = {
                "title": Counter(words(view.title)),
                "type": Counter(words(f"{product.product_type} {product.category}")),
                "tags": Counter(words(" ".join(product.tags))),
                "colors": Counter(words(" ".join(view.colors))),
                "attributes": Counter(words(" ".join(v for _, v in view.attributes))),
                "synonyms": Counter(w for term in _catalog_words(described) for w in words(term)),  # water-resistant
                "head": Counter(kinds(view.title)),
                "options": Counter(words(" ".join(_other_options(view)))),  # "EU Plug", "1 TB", "Sterling Silver"
                "description": Counter(words(" ".join(view.description))),
            }
            length = sum(_FIELD_WEIGHTS[f] * sum(c.values()) for f, c in fields.items())
            colour_words = frozenset(words(" ".join(view.colors)))
            doc = _Doc(
                view,
                fields,
                length,
                colour_words,
                frozenset(fields["title"]),
                kinds(view.title, product.category),
            )
            index.docs.append(doc)
            index.by_id[view.id] = view
            for term in set().union(*fields.values()):
                index.df[term] += 1
            named = frozenset().union(*(c.keys() for name, c in fields.items() if name != "description"))
            index.known.update(named)
            index.own_words[view.id] = named | doc.kinds
        index.avg_length = sum(d.length for d in index.docs) / len(index.docs) if index.docs else 1.0
        titled = frozenset().union(*(kinds(d.view.title) for d in index.docs))
        for doc in index.docs:
            if not kinds(doc.view.title) and doc.view.description:
                # "Oversized Oxford Button-Down": "A roomy oxford shirt with a button-down collar." says what it is
                said = next((w for w in words(doc.view.description[0]) if w in titled), "")
                if said:
                    doc.kinds = doc.kinds | {said}
                    index.own_words[doc.view.id] = index.own_words[doc.view.id] | {said}
        index.kinds = frozenset().union(*(d.kinds for d in index.docs))
        return index

    def get(self, product_id: int) -> ProductView | None:
        return self.by_id.get(product_id)

    def names_a_kind(self, term: str) -> bool:
        """Whether a query term names a kind of product this catalog holds ("backpack"), not only what one is
        like or works with ("waterproof", "laptop")."""
        said = words(term)
        return bool(said) and said[-1] in self.kinds and said[-1] not in _PACKAGING

    def titles_holding(self, term: str) -> int:
        """How many titles hold every word of a term: a kind with a word that describes it ("denim jacket")
        names the one product whose title says both."""
        said = set(words(term))
        return sum(1 for d in self.docs if said and said <= d.title_words) if said else 0

    def in_title(self, view: ProductView, term: str) -> bool:
        """Whether every word of a term is in the product's title, or names one of its kinds."""
        doc = next((d for d in self.docs if d.view.id == view.id), None)
        said = set(words(term))
        return doc is not None and bool(said) and said <= doc.title_words | doc.kinds

    def kinds_of(self, title: str) -> frozenset[str]:
        """The kinds of the product with this title (an order's item, "Title - Variant"), else none."""
        base = title.split(" - ")[0]
        return next((d.kinds for d in self.docs if d.view.title == base), frozenset())

    def term_kind(self, term: str) -> str:
        """The kind a query term names (its last word, "down jacket" -> "jacket"), or "" when it names none."""
        said = words(term)
        return said[-1] if self.names_a_kind(term) else ""

    def describes(self, product_id: int, terms: tuple[str, ...]) -> bool:
        """Whether every word of the terms is a word of the product's own fields, its description aside."""
        own = self.own_words.get(product_id, frozenset())
        return bool(own and terms) and all(w in own for term in terms for w in words(term))

    def titled(self, product_id: int, terms: tuple[str, ...]) -> bool:
        """Whether the kind one of the terms names is a word of its title as written, not only its category's
        or the end of a compound ("Nitrile O-Ring Assortment" is no ring a buyer wears)."""
        view = self.by_id.get(product_id)
        said = {self.term_kind(t) for t in terms} - {""}
        return view is not None and bool(said & {_stem(piece) for piece in view.title.lower().split()})

    def knows(self, term: str) -> bool:
        return _stem(term.lower()) in self.known

    def kinds_named(self, terms: tuple[str, ...]) -> tuple[list[str], list[str]]:
        """The kinds of product the terms name in any shop (each term's last word: "leggings", "helmet"), and
        those of them this catalog never uses: a kind the store does not sell."""
        kinds = [said[-1] for said in map(words, terms) if said and said[-1] in kinds_of_products()]
        return kinds, [k for k in kinds if k not in self.known]

    def search(self, query: SearchQuery) -> list[ProductView]:
        """The products the query names, best first.

        When the query names a kind of product the catalog holds ("jacket",
        "speaker"), only products of that kind are found: the other words
        describe it ("waterproof", "portable") and must not bring back another
        kind that shares them (a dry bag, a portable SSD). A kind named in
        several words whose last word the catalog does not know ("coffee
        maker") is a product the store does not sell: its first words find
        nothing (no coffee tables for a coffee maker).
        """
        named = [words(term) for term in query.terms]
        terms = [t for t in dict.fromkeys(w for ws in named if self._sold(ws) for w in ws) if t in self.df]
        colors = {kin for c in query.colors for kin in _COLOUR_KIN.get(_stem(c), (_stem(c),))}
        if not terms and not colors:
            return []
        # the kind each term names is its last word ("down jacket", "o-ring"); "a gift set" names no kind
        wanted_kinds = self.kinds.intersection(ws[-1] for ws in named if ws and self._sold(ws)) - _PACKAGING
        _, unsold = self.kinds_named(query.terms)
        if unsold and not (wanted_kinds or query.loose):
            # "high waist leggings", "a blue bike helmet": a kind of product the store does not sell, whatever
            # else the words describe (no jeans for "high", no phone mount for "bike")
            return []
        # "a ring light": when a product's title holds every kind named, the words name that product together
        together = {id(d) for d in self.docs if len(wanted_kinds) > 1 and wanted_kinds <= d.fields["title"].keys()}
        if together:
            wanted_kinds = frozenset()
        # a model mark the title holds ("PT100", "M12", "GT2") names that product whatever kind the buyer calls it:
        # "PT100センサー" is the PT100 probe, though the catalog's sensors are others
        marks = {t for t in terms if any(c.isdigit() for c in t) and any(c.isalpha() for c in t)}
        n = len(self.docs)
        scored: list[tuple[float, int, ProductView]] = []
        for doc in self.docs:
            view = doc.view
            if query.max_price is not None and view.min_price > query.max_price:
                continue
            if query.min_price is not None and view.max_price < query.min_price:
                continue
            coloured = not colors or bool(colors & doc.color_words)
            if not coloured and not terms:
                continue
            if wanted_kinds and not wanted_kinds & doc.kinds and not marks & doc.title_words:
                continue
            if together and id(doc) not in together:
                continue
            score = 0.0
            for term in terms:
                tf = sum(_FIELD_WEIGHTS[f] * c[term] for f, c in doc.fields.items())
                if tf:
                    idf = math.log(1 + (n - self.df[term] + 0.5) / (self.df[term] + 0.5))
                    norm = _K1 * (1 - _B + _B * doc.length / self.avg_length)
                    score += idf * tf * (_K1 + 1) / (tf + norm)
            if terms and score == 0.0:
                continue
            # a colour the product is not made in counts against it, yet the product the words name still wins
            # over another that only shares the colour ("the linen shirt in ivory" is no ivory bath mat)
            scored.append((score if coloured else score * _OTHER_COLOUR, -view.id, view))
        scored.sort(key=lambda item: (item[0], item[1]), reverse=True)
        return [view for _, _, view in scored[: query.limit]]

    def _sold(self, term_words: list[str]) -> bool:
        """Whether a query term may name something in this catalog: a word of its own, or words ending in one
        the catalog knows."""
        return len(term_words) < 2 or term_words[-1] in self.known

    def title_matches(self, text: str) -> list[ProductView]:
        """Products whose title the text names (most of the title's words are in it), best first."""
        said = set(words(text))
        found: list[tuple[float, ProductView]] = []
        for doc in self.docs:
            if not doc.title_words:
                continue
            overlap = len(doc.title_words & said) / len(doc.title_words)
            if overlap >= 0.6:
                found.append((overlap, doc.view))
        found.sort(key=lambda item: item[0], reverse=True)
        return [view for _, view in found]

    def on_sale(self, limit: int) -> list[ProductView]:
        return [d.view for d in self.docs if d.view.on_sale][:limit]


def _catalog_words(text: str) -> list[str]:
    """The English catalog words a buyer's English words are mapped to, found in the shop's own text."""
    from seabridge.agent.entities import catalog_terms  # the buyers' side of the same table

    return catalog_terms(text)


def product_view(product: Product) -> ProductView:
    variants = tuple(
        VariantView(
            title=v.title,
            options=tuple((str(name), str(value)) for name, value in v.options),
            price=Decimal(v.price),
            compare_at_price=Decimal(v.compare_at_price) if v.compare_at_price is not None else None,
            in_stock=v.inventory_qty,
            grams=v.grams,
        )
        for v in product.variants
    )
    colors = _option_values(variants, ("color", "colour", "shade"))
    sizes = _option_values(variants, ("size",))
    return ProductView(
        id=product.id,
        title=product.title,
        product_type=product.product_type,
        min_price=Decimal(product.min_price),
        max_price=Decimal(product.max_price),
        image=product.images[0] if product.images else "",
        attributes=tuple((a.name, a.value) for a in product.attributes),
        colors=colors,
        sizes=sizes,
        variants=variants,
        size_chart=product.size_chart,
        on_sale=any(v.compare_at_price is not None and v.compare_at_price > v.price for v in variants),
        description=sentences(product.body_html),
    )


def _other_options(view: ProductView) -> list[str]:
    """The variants' option values beyond colours and sizes (which have fields and readers of their own)."""
    known = {v.casefold() for v in (*view.colors, *view.sizes)}
    values = {value for v in view.variants for _, value in v.options if value.casefold() not in known}
    return sorted(values)


def _option_values(variants: tuple[VariantView, ...], names: tuple[str, ...]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for variant in variants:
        for name, value in variant.options:
            if name.lower() in names or (name.lower().split()[-1:] == ["size"] and "size" in names):  # "Ring Size"
                seen.setdefault(value, None)
    return tuple(seen)
