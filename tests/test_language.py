"""Language identification: scripts first, the model for the rest, the hint for text that cannot tell."""

from __future__ import annotations

import pytest

from seabridge import language


@pytest.mark.parametrize(
    ("text", "hint", "expected"),
    [
        ("¿Dónde está mi pedido?", "", "es"),
        ("Wo ist meine Bestellung?", "en", "de"),
        ("where is my order, please?", "", "en"),
        ("我的订单在哪里", "", "zh"),
        ("ご注文はどこですか", "", "ja"),
        ("ok", "fr", "fr"),
        ("#1001", "", ""),
    ],
)
def test_detect(text: str, hint: str, expected: str) -> None:
    assert language.detect(text, hint=hint).language == expected


def test_the_model_is_asked_once_per_text_without_its_numbers() -> None:
    first = language.detect("has order #1001 shipped to Oslo yet?")
    hits = language._predict_memo.cache_info().hits
    again = language.detect("has order #1002 shipped to Oslo yet?")
    assert language._predict_memo.cache_info().hits == hits + 1
    assert (again.language, again.confidence, again.source) == (first.language, first.confidence, first.source)
    assert again.language == "en"
