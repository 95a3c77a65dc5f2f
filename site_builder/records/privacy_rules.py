"""What personal data looks like: one small detector per kind, each over normalised text (privacy_text.py).

RULES gives each detector a Chinese name for the messages and a mask; scan() runs them all over one text and
maps what they find back to the text as written. The guard itself (which texts, exceptions, messages) is in
privacy.py; the word lists (surnames, sensitive terms, context keywords) are in privacy_words.py.

Numbers written in groups are read as runs of digit groups (440113 19800101 1234, 138.1234.5678): a detector
looks at whole groups only, so that a number inside a longer figure never counts, and checks what can be checked
(the ID's check character and birth date, the card's Luhn digit) so that figures, dates and amounts do not trip it.
"""

from __future__ import annotations

import datetime
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import pairwise

from . import privacy_words as words
from .privacy_text import normalise

Span = tuple[int, int]

# Numbers must stand alone: not inside a longer digit run, nor the integer or fraction part of a decimal.
ALONE_BEFORE = r"(?<![0-9])(?<![0-9]\.)"
ALONE_AFTER = r"(?![0-9])(?!\.[0-9])"
NOT_A_QUANTITY = r"(?![0-9]|\.[0-9]|" + "|".join(map(re.escape, words.UNITS)) + ")"


def alternatives(terms) -> str:
    """A regex alternation of literal terms, longest first, so that the longest one is matched."""
    return "|".join(re.escape(term) for term in sorted(terms, key=len, reverse=True))


# --- numbers in groups ---------------------------------------------------------------------------------

# Budgets that keep a hostile text (a 2 MB narrative of "1 1 1 …" or "张某患有…") from taking minutes: past them a
# text is not something anyone writes in a report, and it is refused as too dense to screen (TooDense), not passed.
MAX_GROUPS_EXAMINED = 50_000  # digit groups one detector looks at in one text
MAX_RUN_CHARS = 1_000  # one run of digits and separators: no number anyone writes is longer
MAX_PEOPLE = 2_000  # person references in one text
MAX_MATCHES_PER_RULE = 10_000  # matches of one rule in one text


class TooDense(Exception):
    """A text with more digit groups, people or matches than a report holds; `at` is where the budget ran out."""

    def __init__(self, at: int):
        super().__init__(at)
        self.at = at


NUMBER_RUN = re.compile(r"[0-9]+(?:[ .-]{1,3}[0-9]+)*(?:[Xx](?![A-Za-z]))?")
DIGIT_GROUP = re.compile(r"[0-9]+[Xx]?")


def group_windows(text: str, size: int) -> Iterator[list[re.Match]]:
    """Consecutive whole digit groups of one run that hold exactly `size` digits, every such window."""
    examined = 0
    for run in NUMBER_RUN.finditer(text):
        if len(run.group()) < size:
            continue
        if len(run.group()) > MAX_RUN_CHARS:
            raise TooDense(run.start())
        groups = list(DIGIT_GROUP.finditer(text, run.start(), run.end()))
        examined += len(groups)
        if examined > MAX_GROUPS_EXAMINED:
            raise TooDense(run.start())
        end, held = 0, 0
        for start in range(len(groups)):  # two pointers: linear in the run's groups
            while end < len(groups) and held < size:
                held, end = held + len(groups[end].group()), end + 1
            if held == size:
                yield groups[start:end]
            held -= len(groups[start].group())


def digits_of(window: list[re.Match]) -> str:
    return "".join(group.group() for group in window)


def separators(text: str, window: list[re.Match]) -> set[str]:
    return {text[a.end() : b.start()] for a, b in pairwise(window)}


def next_to_a_decimal(text: str, window: list[re.Match]) -> bool:
    """Whether the window continues a decimal (0.13812345678) or is continued by one."""
    start, end = window[0].start(), window[-1].end()
    return (start >= 2 and text[start - 1] == "." and text[start - 2].isdigit()) or text[end : end + 1] == "." and text[end + 1 : end + 2].isdigit()


# --- identity documents ----------------------------------------------------------------------------------

ID_WEIGHTS = [2 ** (17 - i) % 11 for i in range(17)]  # ISO 7064 MOD 11-2, as GB 11643 prescribes
PROVINCES = {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82}
OLD_ID_GROUPINGS = {(15,), (6, 9), (6, 6, 3)}  # how 15-digit IDs are written; no check character, so no other


def resident_ids(text: str) -> Iterator[Span]:
    """Mainland resident ID numbers (GB 11643), solid or in groups (440113 19800101 1234, 4401-1319-8001-0112-34):
    only with a real birth date and a correct check character, so that long figures and references do not trip it.
    Also the 15-digit numbers of the first generation, with a province code and a birth date in 19yy."""
    for window in group_windows(text, 18):
        number = digits_of(window)
        if number[:17].isdigit() and plausible_birth_date(number[6:14]) and id_check_character(number[:17]) == number[17].upper():
            yield window[0].start(), window[-1].end()
    for window in group_windows(text, 15):
        if tuple(len(g.group()) for g in window) in OLD_ID_GROUPINGS and separators(text, window) <= {" ", "-"}:
            number = digits_of(window)
            if number.isdigit() and int(number[:2]) in PROVINCES and plausible_birth_date("19" + number[6:12]):
                yield window[0].start(), window[-1].end()


def plausible_birth_date(digits: str) -> bool:
    try:
        born = datetime.date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return False
    return datetime.date(1900, 1, 1) <= born <= datetime.date.today()


def id_check_character(first17: str) -> str:
    remainder = (12 - sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS)) % 11) % 11
    return "X" if remainder == 10 else str(remainder)


def keyword(kind: str) -> str:
    """A keyword that says what the number after it is: 护照, QQ, 台胞证 (Latin letters in any case)."""
    return rf"(?i:{alternatives(words.CONTEXT[kind])})"


def context(kind: str) -> str:
    """A keyword and what may link it to the number: 护照号码：, 台胞证 ."""
    return keyword(kind) + words.CONTEXT_LINK


DOCUMENT_EDGE_BEFORE, DOCUMENT_EDGE_AFTER = r"(?<![0-9A-Za-z])", r"(?![0-9A-Za-z])"
PASSPORTS = re.compile(DOCUMENT_EDGE_BEFORE + r"(?:E[0-9]{8}|E[A-HJ-NP-Z][0-9]{7}|G[0-9]{8})" + DOCUMENT_EDGE_AFTER)
PASSPORT_IN_CONTEXT = re.compile(context("passport") + r"(?P<id>(?<![0-9A-Za-z])[A-Za-z]{1,2}[0-9]{6,9}|[0-9]{9})" + DOCUMENT_EDGE_AFTER)


def passports(text: str) -> Iterator[Span]:
    """Chinese passports (E12345678, EA1234567, G12345678) anywhere; other letter-and-digit forms after 护照."""
    yield from (found.span() for found in PASSPORTS.finditer(text))
    yield from (found.span("id") for found in PASSPORT_IN_CONTEXT.finditer(text))


HK_MACAU_PERMITS = re.compile(DOCUMENT_EDGE_BEFORE + r"(?:C[0-9]{8}|C[A-HJ-NP-Z][0-9]{7}|[HM][0-9]{8}(?:[0-9]{2})?)" + DOCUMENT_EDGE_AFTER)
HK_MACAU_IN_CONTEXT = re.compile(context("hk_macau_permit") + r"(?P<id>(?<![0-9A-Za-z])[A-Za-z]{0,2}[0-9]{7,10})" + DOCUMENT_EDGE_AFTER)


def hk_macau_permits(text: str) -> Iterator[Span]:
    """往来港澳通行证 (C12345678, CA1234567) and 回乡证 (H/M and 8 or 10 digits); other forms after 港澳通行证."""
    yield from (found.span() for found in HK_MACAU_PERMITS.finditer(text))
    yield from (found.span("id") for found in HK_MACAU_IN_CONTEXT.finditer(text))


TAIWAN_IN_CONTEXT = re.compile(
    context("taiwan_permit") + r"(?P<id>(?<![0-9])[0-9]{8}(?:[0-9]{2})?(?:\([A-Z]\)|[A-Z])?)" + ALONE_AFTER + NOT_A_QUANTITY
)


def taiwan_permits(text: str) -> Iterator[Span]:
    """台湾居民来往大陆通行证 (台胞证): 8 or 10 digits, only next to 台胞证 or its full name (alone they are dates)."""
    return (found.span("id") for found in TAIWAN_IN_CONTEXT.finditer(text))


SOCIAL_SECURITY_IN_CONTEXT = re.compile(
    context("social_security") + r"(?P<id>(?<![0-9A-Za-z])[A-Za-z]{0,2}[0-9]{7,12}[A-Za-z0-9]?)" + DOCUMENT_EDGE_AFTER + NOT_A_QUANTITY
)


def social_security_cards(text: str) -> Iterator[Span]:
    """社保卡 numbers (A12345678, 9 to 12 digits) next to 社保卡 or 社会保障卡; a card that is the ID is found as an ID."""
    return (found.span("id") for found in SOCIAL_SECURITY_IN_CONTEXT.finditer(text))


# --- cards and phones ------------------------------------------------------------------------------------

# 16–19 digits, written solid or in groups of four with one kind of separator; never part of a longer run.
BANK_CARD = re.compile(
    ALONE_BEFORE + r"(?<![0-9][ -])(?:[0-9]{16,19}|[0-9]{4}(?P<sep>[ -])[0-9]{4}"
    r"(?:(?P=sep)[0-9]{4}){2}(?:(?P=sep)[0-9]{1,3})?)" + ALONE_AFTER + r"(?![ -][0-9])"
)


def bank_cards(text: str) -> Iterator[Span]:
    """Bank card numbers: the Luhn check keeps other long numbers out."""
    for found in BANK_CARD.finditer(text):
        if passes_luhn(re.sub(r"[ -]", "", found.group())):
            yield found.span()


def passes_luhn(digits: str) -> bool:
    total = 0
    for position, digit in enumerate(reversed(digits)):
        doubled = int(digit) * (2 if position % 2 else 1)
        total += doubled - 9 if doubled > 9 else doubled
    return total % 10 == 0


MOBILE = re.compile(ALONE_BEFORE + r"(?:(?:\+|00)86[ -]?)?1[3-9][0-9](?:[ -]?[0-9]{4}){2}" + ALONE_AFTER)


def mobile_numbers(text: str) -> Iterator[Span]:
    """Mainland mobile numbers, 1[3-9] and nine digits: 13812345678, 138-1234-5678, +86 13812345678, and with
    spaces, dots or dashes in odd places (1381 234 5678, 138.1234.5678), one kind of separator throughout."""
    yield from (found.span() for found in MOBILE.finditer(text))
    for window in group_windows(text, 11):
        if oddly_grouped_mobile(text, window):
            yield window[0].start(), window[-1].end()


def oddly_grouped_mobile(text: str, window: list[re.Match]) -> bool:
    number, used = digits_of(window), separators(text, window)
    if not re.fullmatch(r"1[3-9][0-9]{9}", number) or len(used) > 1 or next_to_a_decimal(text, window):
        return False
    return used != {"."} or len(window) >= 3  # one dot is a decimal (138123456.78), two or more are separators


# Area codes start with 0 (010, 020–029, 0xxx), local numbers never do: dates, amounts and counts do not start so.
AREA = r"0(?:10|2[0-9]|[3-9][0-9]{2})"
AREA_FROM_ABROAD = r"\+86[ -]?\(?(?:10|2[0-9]|[3-9][0-9]{2})\)?"
LANDLINE = re.compile(ALONE_BEFORE + rf"(?:\({AREA}\)|{AREA}|{AREA_FROM_ABROAD})[ -]?[1-9][0-9]{{2,3}}[ -]?[0-9]{{4}}" + ALONE_AFTER)


def landlines(text: str) -> Iterator[Span]:
    """Landline numbers with their area code: 020-12345678, (020)12345678, 020 1234 5678, 0755-1234567."""
    return (found.span() for found in LANDLINE.finditer(text))


EMAIL = re.compile(r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}(?![A-Za-z0-9-])")


def email_addresses(text: str) -> Iterator[Span]:
    """E-mail addresses."""
    return (found.span() for found in EMAIL.finditer(text))


# --- accounts ---------------------------------------------------------------------------------------------

NOT_AN_ACCOUNT = rf"(?!{alternatives(words.NOT_AN_ACCOUNT_AFTER)})"
WECHAT_IDS = re.compile(r"(?<![A-Za-z0-9_])wxid_[A-Za-z0-9_-]{4,30}")
WECHAT_IN_CONTEXT = re.compile(
    r"(?<![A-Za-z])"
    + keyword("wechat")
    + NOT_AN_ACCOUNT
    + words.CONTEXT_LINK
    + r"(?P<id>(?<![A-Za-z0-9_-])(?:[A-Za-z][A-Za-z0-9_-]{5,19}|[1-9][0-9]{4,11}))(?![A-Za-z0-9_-])"
)
QQ_IN_CONTEXT = re.compile(
    r"(?<![A-Za-z])" + keyword("qq") + NOT_AN_ACCOUNT + words.CONTEXT_LINK + r"(?P<id>(?<![0-9])[1-9][0-9]{4,11})" + ALONE_AFTER + NOT_A_QUANTITY
)


# Keyword alone: a pattern that starts with a look-behind is tried at every character, one that starts with a
# keyword is not; most texts have no keyword, and then the full pattern need not run.
WECHAT_KEYWORD, QQ_KEYWORD = re.compile(keyword("wechat")), re.compile(keyword("qq"))


def wechat_ids(text: str) -> Iterator[Span]:
    """WeChat ids after 微信, wx, WeChat, V信 (a letter and 5–19 letters, digits, _ or -, or a number), and any
    wxid_…; 微信群 and 微信公众号 are an organisation's channels, not a person's account."""
    if WECHAT_KEYWORD.search(text):
        yield from (found.span() for found in WECHAT_IDS.finditer(text))
        yield from (found.span("id") for found in WECHAT_IN_CONTEXT.finditer(text))


def qq_numbers(text: str) -> Iterator[Span]:
    """QQ numbers (5–12 digits) after QQ, 扣扣 or 企鹅号; QQ群 is a group, not a person."""
    return (found.span("id") for found in QQ_IN_CONTEXT.finditer(text)) if QQ_KEYWORD.search(text) else iter(())


# --- vehicles and homes --------------------------------------------------------------------------------------

PLATE_LETTER = "A-HJ-NP-Za-hj-np-z"  # plates use no I or O
LICENCE_PLATE = re.compile(
    rf"(?<![A-Za-z0-9])[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][{PLATE_LETTER}]"
    rf"[ ·・.-]?(?P<tail>[{PLATE_LETTER}0-9]{{5,6}})(?P<suffix>[挂学警港澳领使])?(?![A-Za-z0-9])"
)


def licence_plates(text: str) -> Iterator[Span]:
    """Mainland licence plates: 粤A12345, 粤A·B1234, new energy 粤AD12345 or 粤A12345D, 粤Z1234港."""
    for found in LICENCE_PLATE.finditer(text):
        tail = found.group("tail").upper()
        new_energy = len(tail) == 6 and re.fullmatch(r"[DF][A-HJ-NP-Z0-9][0-9]{4}|[0-9]{5}[DF]", tail)
        if new_energy or (len(tail) == 5 and sum(ch.isdigit() for ch in tail) >= 3):
            yield found.span()


ROOM = r"[A-Za-z]?[0-9]{2,4}(?:室|房)"
WORDS = r"[^\s,.;:()“”，。；：、]"  # characters of one address, not running on into the next clause
BUILDING = r"[0-9A-Za-z]{1,3}(?:号楼|栋|幢|座|楼)"
UNIT = r"[0-9]{1,2}(?:单元|梯)"
ROOM_NUMBER = rf"-?[0-9]{{3,4}}(?:室|房|户|号)?{NOT_A_QUANTITY}"
CHINESE_NUMERAL = "一二三四五六七八九十"
CHINESE_NUMBER = "[一二三四五六七八九]?十[一二三四五六七八九]?|[一二三四五六七八九]"  # 1 to 99
# Each pattern after the characters it cannot match without one of, checked first (`in` is far cheaper than a pattern).
ROOM_ADDRESSES = tuple(
    zip(
        ("室房", "室房", "室房", "楼栋幢座元梯", "楼层", "号"),
        (
            re.compile(rf"(?<![0-9])[0-9]+号(?:之[0-9{CHINESE_NUMERAL}]+)?{WORDS}{{0,12}}?{ROOM}"),  # 313号东骏苑2栋1502室, 12号502房
            re.compile(rf"(?<![0-9A-Za-z])[0-9A-Za-z]{{1,3}}(?:栋|座|幢|楼|单元){WORDS}{{0,6}}?{ROOM}"),  # 东骏苑2栋1502室, A座1203室
            re.compile(r"(?<![0-9-])[0-9]{1,4}(?:-[0-9]{1,4}){1,2}(?:室|房)"),  # 3-1502房, 5-2-301室
            re.compile(rf"(?<![0-9A-Za-z])(?:{BUILDING}-?(?:{UNIT})?|{UNIT}){ROOM_NUMBER}"),  # 2栋1502, 3号楼2单元401, 2单元401
            re.compile(r"(?<![0-9A-Za-z])[0-9]{1,3}(?:楼|层)[0-9]{1,4}(?:户|室|房|号)"),  # 15楼02户, 3层05号
            re.compile(
                rf"(?<![0-9{CHINESE_NUMERAL}])(?:[0-9]{{1,3}}|[{CHINESE_NUMERAL}]{{1,3}})(?:横巷|巷|弄|横)[0-9]{{1,4}}号"
                r"(?!楼|院|线|文|令)"
            ),  # village houses: 三巷12号, 5巷3号, 二横巷8号
        ),
    )
)


def room_addresses(text: str) -> Iterator[Span]:
    """Street addresses down to a room or a house: where someone lives. A station's public address stops at the
    building (and one that does not is excused only where it is quoted whole; see privacy.py)."""
    for needed, pattern in ROOM_ADDRESSES:
        if any(ch in text for ch in needed):
            yield from (found.span() for found in pattern.finditer(text))


# --- sensitive personal information (PIPL art. 28): a person next to a sensitive fact ----------------------

SURNAME = rf"(?:{alternatives(words.COMPOUND_SURNAMES)}|[{words.SURNAMES}])"
# 于 is a surname (于某) but mostly a preposition: 关于某项, 对于某某, 由于某种.
SURNAME_BEFORE_MOU = rf"(?:{SURNAME}|(?<![关对由在属等至基鉴终])于)"
PERSON_PATTERNS = (
    re.compile(rf"{SURNAME_BEFORE_MOU}某某?(?!{alternatives(words.NOT_A_PERSON_AFTER)})"),  # 张某, 李某某
    re.compile(rf"{SURNAME}(?:{alternatives(words.FORMS_OF_ADDRESS)})"),  # 王阿姨, 陈伯, 李先生
    re.compile(rf"(?<![小老])[小老][{words.FAMILIAR_SURNAMES}](?![{words.FAMILIAR_SURNAMES}])"),  # 小王, 老陈
    re.compile(
        rf"(?:{alternatives(words.ROLES)}):?(?P<name>{SURNAME}[\u4e00-\u9fff]{{1,2}}?)"
        r"(?=[,、。( ]|男|女|患|因|今年|现年|系|是|曾|已|住)"
    ),  # 服务对象李明，男，8岁
)
TERMS = re.compile(alternatives(term for terms in words.SENSITIVE_TERMS.values() for term in terms))
CATEGORY_OF = {term: category for category, terms in words.SENSITIVE_TERMS.items() for term in terms}
NUMERAL = rf"[0-9]{{1,2}}|{CHINESE_NUMBER}"
AGE = re.compile(rf"(?<![0-9.~至到零百千两{CHINESE_NUMERAL}-])(?P<age>{NUMERAL})(?:周岁|岁)(?!半?以上|以下|至|到|-|~)")
SCHOOL_CLASS = re.compile(
    rf"(?:[{CHINESE_NUMERAL[:9]}]|[1-9])年级(?:\(?(?:{NUMERAL})\)?班)?"
    rf"|(?:初|高)[一二三](?:年级|\(?(?:{NUMERAL})\)?班)"
)
SENTENCE_END = re.compile(r"[。!?;\n]")
NEARBY = 40  # characters between a person and a sensitive fact in the same sentence


def sensitive_mentions(text: str) -> Iterator[tuple[int, int, str]]:
    """A person (张某, 王阿姨, 小陈, 服务对象李明) with an illness, a disability, a minor's age or school class, or a
    criminal or corrections record in the same sentence, close by: (start, end, the categories) of the person."""
    people = person_spans(text)
    if not people:
        return
    if len(people) > MAX_PEOPLE:
        raise TooDense(people[MAX_PEOPLE][0])
    facts = sorted(sensitive_facts(text))
    starts = [start for start, _, _ in facts]
    ends = [found.start() for found in SENTENCE_END.finditer(text)]
    for start, end in people:
        nearby = facts[bisect_left(starts, start - NEARBY - 20) : bisect_right(starts, end + NEARBY)]
        categories = [
            category
            for fact_start, fact_end, category in nearby
            if gap((start, end), (fact_start, fact_end)) <= NEARBY and same_sentence(ends, start, fact_start)
        ]
        if categories:
            yield start, end, "、".join(dict.fromkeys(categories))


def person_spans(text: str) -> list[Span]:
    patterns = PERSON_PATTERNS if "某" in text else PERSON_PATTERNS[1:]  # the first needs 某; most texts have none
    found = sorted(
        ((m.span("name") if "name" in m.re.groupindex else m.span()) for p in patterns for m in p.finditer(text)),
        key=lambda span: (span[0], -span[1]),
    )
    kept: list[Span] = []
    for span in found:
        if not kept or span[0] >= kept[-1][1]:
            kept.append(span)
    return kept


def sensitive_facts(text: str) -> Iterator[tuple[int, int, str]]:
    yield from ((m.start(), m.end(), CATEGORY_OF[m.group()]) for m in TERMS.finditer(text))
    yield from ((m.start(), m.end(), words.MINOR) for m in AGE.finditer(text) if numeral_value(m.group("age")) < words.ADULT_AGE)
    yield from ((m.start(), m.end(), words.MINOR) for m in SCHOOL_CLASS.finditer(text))


def numeral_value(numeral: str) -> int:
    """8, 12, 八, 十二, 二十三 as a number."""
    if numeral.isdigit():
        return int(numeral)
    tens, _, units = numeral.rpartition("十")
    return (digit_value(tens) or 1) * 10 + digit_value(units) if "十" in numeral else digit_value(units)


def digit_value(digit: str) -> int:
    return CHINESE_NUMERAL.index(digit) + 1 if digit else 0


def gap(a: Span, b: Span) -> int:
    return max(a[0], b[0]) - min(a[1], b[1])


def same_sentence(sentence_ends: list[int], a: int, b: int) -> bool:
    low, high = min(a, b), max(a, b)
    return bisect_left(sentence_ends, low) == bisect_left(sentence_ends, high)


# --- masks: enough to recognise the match, not enough to reuse it; one character for one ---------------


def keep_ends(head: int, tail: int) -> Callable[[str], str]:
    """Keep the first `head` and last `tail` digits or letters, star the rest; separators stay where they are."""

    def mask(text: str) -> str:
        significant = [i for i, ch in enumerate(text) if ch.isalnum()]
        hidden = set(significant[head : len(significant) - tail])
        return "".join("*" if i in hidden else ch for i, ch in enumerate(text))

    return mask


def mask_email(text: str) -> str:
    local, _, domain = text.partition("@")
    return local[:2] + "*" * len(local[2:]) + "@" + domain


def mask_numbers(text: str) -> str:
    return "".join("*" if ch.isdigit() else ch for ch in text)


@dataclass(frozen=True)
class Rule:
    name: str
    find: Callable[[str], Iterator]
    mask: Callable[[str], str]
    station_may_publish: bool = False  # the station's own declared address, quoted whole
    never_excused: bool = False  # no privacy_exceptions entry may let it through
    sensitive: bool = False  # a person next to a sensitive fact; the categories come with the match


# Earlier rules win where matches overlap: an ID number is not also reported as a bank card or a phone.
RULES = (
    Rule("身份证号码", resident_ids, keep_ends(4, 4), never_excused=True),
    Rule("护照号码", passports, keep_ends(2, 2)),
    Rule("港澳通行证号码", hk_macau_permits, keep_ends(2, 2)),
    Rule("台胞证号码", taiwan_permits, keep_ends(2, 2)),
    Rule("社保卡号", social_security_cards, keep_ends(2, 2)),
    Rule("银行卡号", bank_cards, keep_ends(4, 4)),
    Rule("手机号码", mobile_numbers, keep_ends(4, 3)),
    Rule("固定电话", landlines, keep_ends(4, 3)),
    Rule("电子邮箱", email_addresses, mask_email),
    Rule("微信号", wechat_ids, keep_ends(2, 1)),
    Rule("QQ号", qq_numbers, keep_ends(2, 2)),
    Rule("车牌号码", licence_plates, keep_ends(2, 1)),
    Rule("详细住址", room_addresses, mask_numbers, station_may_publish=True),
    Rule("敏感个人信息", sensitive_mentions, keep_ends(1, 0), sensitive=True),
)
ID_RULE = RULES[0]
# Not a detector: stands for a text refused because it is too dense to screen (TooDense).
TOO_DENSE = Rule("过多的号码或人名", lambda text: iter(()), lambda text: "*" * len(text), never_excused=True)


@dataclass(frozen=True)
class Match:
    """One stretch of personal data in the text as written."""

    rule: Rule
    start: int
    end: int
    categories: str = ""  # for sensitive personal information: 疾病、残疾…
    station_address: int | None = None  # index of the station address (quoted whole) that excuses it


def scan(text: str, station_addresses: Sequence[str] = ()) -> list[Match]:
    """What the rules find in one text, one rule per stretch of text, in reading order, as written."""
    normal = normalise(text)
    quoted = addresses_quoted(normal.text, station_addresses) if station_addresses else []
    kept, taken = [], Taken()
    for rule in RULES:
        try:
            for count, (start, end, *named) in enumerate(rule.find(normal.text)):
                if count >= MAX_MATCHES_PER_RULE:
                    raise TooDense(start)
                if not taken.overlaps(start, end):
                    taken.add(start, end)
                    excused_by = quoted_at(quoted, start, end) if rule.station_may_publish else None
                    categories = named[0] if named else ""  # sensitive information names its categories
                    kept.append(as_written(normal, Match(rule, start, end, categories, station_address=excused_by)))
        except TooDense as dense:
            at = min(dense.at, len(normal.text) - 1)
            kept.append(as_written(normal, Match(TOO_DENSE, at, at + 1)))
    return sorted(kept, key=lambda match: match.start)


class Taken:
    """The stretches earlier rules claimed, sorted and disjoint, so that an overlap test takes log time
    (a record with thousands of numbers must not compare each with all the others)."""

    def __init__(self):
        self.starts: list[int] = []
        self.ends: list[int] = []

    def overlaps(self, start: int, end: int) -> bool:
        at = bisect_right(self.starts, start)
        return (at > 0 and self.ends[at - 1] > start) or (at < len(self.starts) and self.starts[at] < end)

    def add(self, start: int, end: int) -> None:
        at = bisect_right(self.starts, start)
        self.starts.insert(at, start)
        self.ends.insert(at, end)


def as_written(normal, match: Match) -> Match:
    start, end = normal.original_span(match.start, match.end)
    return Match(match.rule, start, end, match.categories, match.station_address)


def addresses_quoted(text: str, station_addresses: Sequence[str]) -> list[tuple[int, int, int]]:
    """Where each station address stands, whole, in the text: (start, end, which address)."""
    quoted = []
    for index, address in enumerate(station_addresses):
        at = text.find(address) if address else -1
        while at >= 0:
            quoted.append((at, at + len(address), index))
            at = text.find(address, at + 1)
    return quoted


def quoted_at(quoted: list[tuple[int, int, int]], start: int, end: int) -> int | None:
    return next((index for q_start, q_end, index in quoted if q_start <= start and end <= q_end), None)
