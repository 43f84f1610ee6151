"""Organisation-name normalisation, so 'REALTEK SEMICONDUCTOR CORP.' and 'Realtek Semiconductor Co., Ltd.' meet.

Two keys per name: the *full* key drops only case, punctuation and legal forms; the *core* key also
drops generic words and place names ('Shenzhen X Technology Co., Ltd.' -> 'x'). The full key is
trusted; the core key only when it points to one organisation's country without dispute.
"""

from __future__ import annotations

import re
import unicodedata

LEGAL_FORMS = frozenset(
    """inc incorporated corp corporation corporate co company cos ltd ltda limited llc llp lp plc gmbh mbh ag kg
    sa sas sarl sl srl spa sro nv bv oy oyj ab as asa aps se kk pte pty bhd sdn pvt pt tbk jsc ojsc zao ooo oao
    cv ug eg ev kft zrt sp zoo doo ad""".split()
)
GENERIC_WORDS = frozenset(
    """the and of technology technologies tech techno electronics electronic electric electrical elec semiconductor
    semiconductors microelectronics micro systems system computer computers communications communication
    networks network networking industrial industries industry international intl group holdings holding
    enterprise enterprises manufacturing mfg products product devices device design solutions solution labs
    laboratories lab information info digital science sciences engineering trading development dev global
    div division subsidiaries subsidiary intelligent intelligence smart precision instruments instrument
    telecom telecommunications software hardware innovation innovations industrial applied integrated""".split()
)
PLACE_WORDS = frozenset(
    """shenzhen beijing shanghai guangzhou guangdong hangzhou suzhou nanjing wuhan xiamen dongguan zhuhai chengdu
    tianjin qingdao hefei jiangsu zhejiang fujian ningbo foshan xian changsha jinan china chinese hk hong kong
    taiwan taipei hsinchu taichung tainan kaohsiung japan tokyo osaka korea seoul usa us america american europe
    european asia pacific germany deutschland uk france india singapore malaysia""".split()
)

# Bracketed parts, including the "<mail or web address>" of package maintainer and vendor fields.
_BRACKETS = re.compile(r"[\[(<][^\])>]*[\])>]")
_NON_WORD = re.compile(r"[^a-z0-9]+")


def _ascii_lower(name: str) -> str:
    folded = name if name.isascii() else unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return folded.lower().replace("&", " and ").replace("+", " plus ")


def _join_initials(words: list[str]) -> list[str]:
    """Spelt-out initials become one word: 'L G Electronics' and 'LG Electronics' meet, 'A-S' is 'as'."""
    joined: list[str] = []
    after_initial = False
    for word in words:
        initial = len(word) == 1 and word.isalpha()
        if initial and after_initial:
            joined[-1] += word
        else:
            joined.append(word)
        after_initial = initial
    return joined


def _tokens(name: str) -> list[str]:
    # "Co.,Ltd" and "Co.Ltd." first become separate words, then legal forms fall off the end.
    text = _NON_WORD.sub(" ", _ascii_lower(name).replace(".", " "))
    words = _join_initials(text.split())
    while words and words[-1] in LEGAL_FORMS:
        words.pop()
    while words and words[0] == "the":
        words.pop(0)
    return words


def full_key(name: str) -> str:
    """Case, punctuation, bracketed parts and trailing legal forms removed."""
    return " ".join(_tokens(_BRACKETS.sub(" ", name)))


def core_key(name: str) -> str:
    """The distinctive words only: also without legal forms anywhere, generic words and places."""
    words = [
        word
        for word in _tokens(_BRACKETS.sub(" ", name))
        if word not in GENERIC_WORDS and word not in PLACE_WORDS and word not in LEGAL_FORMS
    ]
    key = " ".join(words)
    return key if len(key) >= 3 else ""


def bracket_aliases(name: str) -> list[str]:
    """Names inside brackets, which pci.ids uses for brands: 'Advanced Micro Devices, Inc. [AMD/ATI]' -> AMD, ATI."""
    aliases: list[str] = []
    for inner in re.findall(r"\[([^\]]+)\]", name):
        aliases.extend(part.strip() for part in inner.split("/") if part.strip())
    return aliases


def name_parts(name: str) -> list[str]:
    """A name and the alternatives inside it: '3Com Corp, Modem Division', 'Broadcom / LSI' -> each part."""
    parts = [name, *bracket_aliases(name)]
    stripped = _BRACKETS.sub(" ", name)
    if " / " in stripped:
        parts.extend(part.strip() for part in stripped.split(" / ") if part.strip())
    return parts
