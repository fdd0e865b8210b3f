"""Text folding and features shared by the classifier and the entity extractor.

`fold` makes what buyers type on phones comparable with the language files:
case, width, Latin and Vietnamese diacritics (buyers often drop them), Arabic
letter variants and diacritics, Turkish dotless i, Russian ё, Traditional
Chinese characters (as their Simplified forms), letters stretched for emphasis
("hiii", "byeee"). Scripts written
without spaces (Chinese, Japanese, Thai) and Korean (agglutinative) are read
as character n-grams; the others as words, word pairs and the 3–5 letter
pieces of words, which keep typos and inflections close to the original.
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from collections.abc import Iterable
from typing import Any, Generic, TypeVar

T = TypeVar("T")

_ARABIC_MARKS = re.compile("[\u064b-\u0652\u0670\u0640]")
_ARABIC_LETTERS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ة": "ه", "ى": "ي", "ؤ": "و", "ئ": "ي"})
_OTHER = str.maketrans({"ı": "i", "ё": "е", "’": "'", "`": "'", "´": "'"})
_TOKEN = re.compile(r"\w+", re.UNICODE)
# A letter typed three times or more ("hiii", "byeee", "sooo slow") is one letter; doubled letters stay ("good").
_STRETCHED = re.compile(r"([^\W\d_])\1{2,}")
# Traditional Chinese characters common in shopping chats -> their Simplified forms (Taiwan and Hong Kong
# buyers write Traditional; the Chinese language file is Simplified).
_TRADITIONAL = (
    "訂單貨運費時間錢還沒麼嗎們這個說謝見請問價買賣號碼發點樣顏藍紅綠黃長寬換帳戶錄聯轉機電話線寶褲襪帶鏈項鍊環錶燈壺鍋盤過關"
    "稅預計幾達郵遞國際會員優據開歡題壞損錯誤質處應該選擇適體圍腳數釐於為與東車門後裡裏詢簽狀態況灣馬來亞韓歐銀匯兩敗庫種類薦"
    "禮動爛專註冊讚滿氣讓對從當將給頭麵髮鐘鬆緊邊雙張條隻組紙裝夠產廠嚴壓實驗證準備經營業務聽顯輕結總額減週歲識認記憶師團隊級"
    "紀約網頁讀寫畫幣麗舊髒熱涼濕乾淨雜亂難聲響蓋鎖鐵鋼屬纖維絲絨針織襯夾爐筆腦鍵螢鏡鐲飾護膚妝現趕遲資刪確訊倉續幫啟閱覺歸較"
    "齊隨樓區縣鄉館廣萬億塊圓臺標籤範壽陽傘墊櫃簾蓆濾鑽鬧傢廚掛燒煙鹽醬蘭漢語譯喲無鋪靜鞦習慣擔憂驚嚇虧騙糾紛訴賠償責負復覆彈"
    "勁撥導測試評詳細規則齡貼賬戲劇藝術貴購補遺丟變縮軟溫屜廳衛藥雖漲領書視頻擁擠紐倫囉嘍鬥"
)
_SIMPLIFIED = (
    "订单货运费时间钱还没么吗们这个说谢见请问价买卖号码发点样颜蓝红绿黄长宽换账户录联转机电话线宝裤袜带链项链环表灯壶锅盘过关"
    "税预计几达邮递国际会员优据开欢题坏损错误质处应该选择适体围脚数厘于为与东车门后里里询签状态况湾马来亚韩欧银汇两败库种类荐"
    "礼动烂专注册赞满气让对从当将给头面发钟松紧边双张条只组纸装够产厂严压实验证准备经营业务听显轻结总额减周岁识认记忆师团队级"
    "纪约网页读写画币丽旧脏热凉湿干净杂乱难声响盖锁铁钢属纤维丝绒针织衬夹炉笔脑键萤镜镯饰护肤妆现赶迟资删确讯仓续帮启阅觉归较"
    "齐随楼区县乡馆广万亿块圆台标签范寿阳伞垫柜帘席滤钻闹家厨挂烧烟盐酱兰汉语译哟无铺静秋习惯担忧惊吓亏骗纠纷诉赔偿责负复复弹"
    "劲拨导测试评详细规则龄贴账戏剧艺术贵购补遗丢变缩软温屉厅卫药虽涨领书视频拥挤纽伦啰喽斗"
)
_HANT = str.maketrans(_TRADITIONAL, _SIMPLIFIED)


def _strip_latin_marks(text: str) -> str:
    out: list[str] = []
    for char in text:
        if ord(char) < 0x0370 or 0x1E00 <= ord(char) <= 0x1EFF:
            base = unicodedata.normalize("NFD", char)
            out.append("".join(c for c in base if not unicodedata.combining(c)))
        else:
            out.append(char)
    return "".join(out)


@functools.lru_cache(maxsize=4096)  # a turn folds its message several times (entities, classifier, cues)
def fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold().translate(_OTHER)
    text = _strip_latin_marks(text)
    if any("\u0600" <= c <= "\u06ff" for c in text):
        text = _ARABIC_MARKS.sub("", text).translate(_ARABIC_LETTERS)
    if any("\u4e00" <= c <= "\u9fff" for c in text):
        text = text.translate(_HANT).replace("账篷", "帐篷")  # a tent (帳篷) is not an account (帳號)
    text = _STRETCHED.sub(_unstretch, text)
    return text.replace("đ", "d")


def _unstretch(match: re.Match[str]) -> str:
    char = match.group(1)
    return match.group(0) if is_unspaced(char) else char  # "哈哈哈", "ㅋㅋㅋ" and Thai are left as typed


def is_unspaced(char: str) -> bool:
    """Scripts read as character n-grams: Han, kana, Thai, Hangul, Lao, Khmer, Myanmar."""
    code = ord(char)
    return (
        0x3040 <= code <= 0x30FF  # kana
        or 0x3400 <= code <= 0x9FFF  # Han
        or 0xF900 <= code <= 0xFAFF
        or 0xAC00 <= code <= 0xD7AF  # Hangul syllables
        or 0x1100 <= code <= 0x11FF
        or 0x0E00 <= code <= 0x0EFF  # Thai, Lao
        or 0x1000 <= code <= 0x109F  # Myanmar
        or 0x1780 <= code <= 0x17FF  # Khmer
    )


def tokens(folded: str) -> list[str]:
    return _TOKEN.findall(folded)


def features(folded: str) -> set[str]:
    """The classifier's features of folded text."""
    out: set[str] = set()
    words: list[str] = []
    for token in tokens(folded):
        if any(is_unspaced(c) for c in token):
            chars = [c for c in token if not c.isdigit()]
            out.update(f"c1:{c}" for c in chars if is_unspaced(c))
            for n in (2, 3):
                out.update(f"c{n}:" + "".join(chars[i : i + n]) for i in range(len(chars) - n + 1))
            continue
        if token.isdigit():
            out.add("num")
            continue
        words.append(token)
        out.add(f"w:{token}")
        padded = f"<{token}>"
        for n in (3, 4, 5):
            if len(padded) > n:
                out.update(f"g{n}:" + padded[i : i + n] for i in range(len(padded) - n + 1))
    out.update(f"b:{a}_{b}" for a, b in itertools.pairwise(words))
    return out


SHORT_WORD = 3  # phrases this short match whole words only: "no" is not "nothing", "hi" is not "hilarious"


def _is_arabic(phrase: str) -> bool:
    return any("\u0600" <= c <= "\u06ff" for c in phrase)


def contains_phrase(folded: str, phrase: str) -> bool:
    """Whether `phrase` (folded) occurs in `folded`.

    In spaced scripts it must start a word (so inflections still match) and,
    when it is a short word, end one too; in the others it may be anywhere.
    """
    if not phrase:
        return False
    if any(is_unspaced(c) for c in phrase) or _is_arabic(phrase):
        return phrase in folded
    start = 0
    while True:
        index = folded.find(phrase, start)
        if index < 0:
            return False
        end = index + len(phrase)
        if (index == 0 or not folded[index - 1].isalnum()) and (
            len(phrase) > SHORT_WORD or end == len(folded) or not folded[end].isalnum()
        ):
            return True
        start = index + 1


_END = "\0"


class PhraseMatcher(Generic[T]):
    """Every listed phrase that occurs in folded text, found in one pass over a character trie.

    Built once per phrase table; `find` walks the trie from each position, so
    its cost follows the length of the text, not the number of phrases. The
    boundary rules are `contains_phrase`'s (a phrase of `prefix_from` letters
    or more may be the start of a longer word: an inflection), or
    `contains_word`'s with `whole_words` (both ends of a word in spaced scripts).
    """

    __slots__ = ("_endings", "_root", "size")

    def __init__(
        self,
        phrases: Iterable[tuple[str, T]],
        *,
        whole_words: bool = False,
        prefix_from: int = SHORT_WORD + 1,
        endings: tuple[str, ...] = (),
    ) -> None:
        self._root: dict[str, Any] = {}
        self._endings = endings  # a word that must end may end in one of these instead ("стол" in "стола")
        self.size = 0
        for phrase, value in phrases:
            if not phrase:
                continue
            unspaced = any(is_unspaced(c) for c in phrase)
            arabic = _is_arabic(phrase)
            # an Arabic word is found inside the words it is written into (articles and pronouns attach to it),
            # but a word of two letters is inside too many others: "مق" (a mug) begins "مقاوم" (resistant), "رف"
            # (a shelf) ends "أعرف" (I know); it is a whole word, with or without its article
            short_arabic = arabic and len(phrase) <= 2
            anywhere = unspaced or (not whole_words and arabic and not short_arabic)
            need_end = not anywhere and (whole_words or short_arabic or len(phrase) < prefix_from)
            for form in (phrase, "ال" + phrase) if short_arabic else (phrase,):
                node = self._root
                for char in form:
                    node = node.setdefault(char, {})
                node.setdefault(_END, []).append((form, value, not anywhere, need_end))
                self.size += 1

    def find(self, folded: str) -> list[tuple[str, T]]:
        """(phrase, value) for every occurrence, in text order."""
        return [(phrase, value) for _, phrase, value in self.spans(folded)]

    def spans(self, folded: str) -> list[tuple[int, str, T]]:
        """(start, phrase, value) for every occurrence, in text order."""
        out: list[tuple[int, str, T]] = []
        root, size = self._root, len(folded)
        for start in range(size):
            node = root.get(folded[start])
            if node is None:
                continue
            at_start = start == 0 or not folded[start - 1].isalnum()
            end = start
            while node is not None:
                end += 1
                entries = node.get(_END)
                if entries:
                    at_end = end == size or not folded[end].isalnum() or self._inflected(folded, end)
                    for phrase, value, need_start, need_end in entries:
                        if (at_start or not need_start) and (at_end or not need_end):
                            out.append((start, phrase, value))
                if end >= size:
                    break
                node = node.get(folded[end])
        return out

    def _inflected(self, folded: str, end: int) -> bool:
        """Whether the word going on at `end` ends there in one of the language's case or plural endings."""
        size = len(folded)
        return any(
            folded.startswith(ending, end) and (end + len(ending) == size or not folded[end + len(ending)].isalnum())
            for ending in self._endings
        )


# Case and plural endings a noun or colour takes in a language, folded: a short word ("стол", "masa", "Hut")
# that must end a word may end in one of them instead ("стола", "masanın", "siyahını"). The long
# words already match as the start of a longer word.
CASE_ENDINGS: dict[str, tuple[str, ...]] = {
    "ru": ("а", "я", "у", "ю", "ы", "и", "е", "ом", "ем", "ей", "ой", "ов", "ев", "ам", "ям", "ами", "ями", "ах", "ях"),
    "tr": (
        *("i", "u", "a", "e", "in", "un", "nin", "nun", "yi", "yu", "ya", "ye", "da", "de", "ta", "te"),
        *("dan", "den", "tan", "ten", "nda", "nde", "ndan", "nden", "na", "ne", "la", "le", "yla", "yle"),
        *("lar", "ler", "lari", "leri", "larin", "lerin", "si", "su", "sin", "sun", "sini", "sunu", "ini", "unu"),
        *("ina", "una", "inda", "unda", "ni", "nu"),
    ),
    "de": ("e", "es", "s", "en", "n", "er", "ern"),
    "es": ("s", "es"),
    "pt": ("s", "es"),
    "fr": ("s", "x"),
    "id": ("nya", "mu", "ku"),
}


# Endings a word of one language keeps when a message in another language borrows it: English is the
# language buyers mix in ("the jackets", "cancelled"); a word of any other language is borrowed whole.
_BORROWED_ENDINGS = {"en": ("s", "es", "ed", "d", "led", "ing", "ling")}


def borrowed(folded: str, start: int, phrase: str, language: str) -> bool:
    """Whether `phrase`, found at `start` in a message written in another language than its own, is a whole
    word there (or the word with one of its language's plainest endings).

    A phrase of four letters or more matches as the start of a longer word in
    its own language ("refund" in "refunded"), but another language's word may
    begin the same way and mean something else: English "tall" begins Spanish
    "talla" (a size), "cancel" begins "cancelación" (a policy). Scripts
    without spaces, and Arabic with its attached articles, are matched
    anywhere as before.
    """
    if any(is_unspaced(c) for c in phrase) or _is_arabic(phrase):
        return True
    end = start + len(phrase)
    if end == len(folded) or not folded[end].isalnum():
        return True
    return any(
        folded.startswith(ending, end) and (end + len(ending) == len(folded) or not folded[end + len(ending)].isalnum())
        for ending in _BORROWED_ENDINGS.get(language, ())
    )


def contains_word(folded: str, word: str) -> bool:
    """Whole-word match for spaced scripts (both ends), substring for the others."""
    if not word:
        return False
    if any(is_unspaced(c) for c in word):
        return word in folded
    return re.search(r"(?<!\w)" + re.escape(word) + r"(?!\w)", folded) is not None
