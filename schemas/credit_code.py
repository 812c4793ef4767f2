"""统一社会信用代码 (GB 32100-2015): 18 characters, the last a check character.

    91 220281 12345678 8 5
    │  │      │        │ └ check character over the first 17 (GB 32100)
    │  │      │        └── organisation-code check character over the 8-character body (GB 11714)
    │  │      └─────────── organisation-code body
    │  └────────────────── administrative division (220281: 蛟河市)
    └───────────────────── registration authority 9 (工商), type 1 (enterprise)

`check_char`/`is_valid` are what the product checks; `org_check_char`/`make_code` build valid codes (sample data).
"""
from __future__ import annotations

# 31 characters: the digits and the capitals without I, O, S, V, Z.
CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)          # GB 11714 organisation code
JIAOHE_DIVISION = "220281"                         # administrative division code of 蛟河市


def check_char(first17: str) -> str:
    """The 18th character: (31 − Σ wᵢ·vᵢ mod 31) mod 31, read back in CHARSET."""
    total = sum(CHARSET.index(c) * w for c, w in zip(first17, WEIGHTS))
    return CHARSET[(31 - total % 31) % 31]


def is_valid(code: str | None) -> bool:
    if code is None or len(code) != 18 or any(c not in CHARSET for c in code):
        return False
    return check_char(code[:17]) == code[17]


def org_check_char(body8: str) -> str:
    """The 9th character of an organisation code (GB 11714), i.e. credit-code character 17:
    11 − Σ wᵢ·vᵢ mod 11 with digits and letters read base 36 (A = 10); 10 is written X, 11 is written 0."""
    total = sum(w * int(ch, 36) for w, ch in zip(ORG_WEIGHTS, body8.upper()))
    c = 11 - total % 11
    return {10: "X", 11: "0"}.get(c, str(c))


def make_code(body8: str, division: str = JIAOHE_DIVISION) -> str:
    """A valid code for an enterprise registered with 工商 ('91') in `division`, organisation-code body `body8`."""
    if len(body8) != 8:
        raise ValueError(f"need an 8-character organisation-code body, got {body8!r}")
    first17 = "91" + division + body8.upper() + org_check_char(body8)
    return first17 + check_char(first17)
