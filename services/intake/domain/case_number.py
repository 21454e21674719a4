"""Case numbers a citizen can read out on the phone: `FT-20261121-0042`.

Hall prefix (2-6 capital letters or digits, starting with a letter) + the registration date in
Asia/Shanghai + the hall's daily sequence, zero-padded to four digits (wider past 9999).
Allocating the sequence is storage's job (a counter per hall and local date).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from shared.clock import local_date as local_date_of

from .errors import InvalidInput

HALL_PREFIX_PATTERN = r"[A-Z][A-Z0-9]{1,5}"
MAX_DAILY_SEQUENCE = 999_999
_CASE_NUMBER = re.compile(rf"({HALL_PREFIX_PATTERN})-(\d{{8}})-(\d{{4,6}})")


@dataclass(frozen=True, kw_only=True, order=True)
class CaseNumber:
    hall_prefix: str
    local_date: date
    sequence: int

    def __post_init__(self) -> None:
        if not re.fullmatch(HALL_PREFIX_PATTERN, self.hall_prefix):
            raise ValueError(f"hall prefix {self.hall_prefix!r} must match {HALL_PREFIX_PATTERN}")
        if not 1 <= self.sequence <= MAX_DAILY_SEQUENCE:
            raise ValueError(f"daily sequence {self.sequence} out of 1..{MAX_DAILY_SEQUENCE}")

    def __str__(self) -> str:
        return f"{self.hall_prefix}-{self.local_date:%Y%m%d}-{self.sequence:04d}"


def case_number_for(*, hall_prefix: str, registered_at: datetime, sequence: int) -> CaseNumber:
    """The number of the `sequence`-th case registered at the hall on its local day."""
    return CaseNumber(
        hall_prefix=hall_prefix, local_date=local_date_of(registered_at), sequence=sequence
    )


def parse_case_number(text: str, *, field: str = "case_number") -> CaseNumber:
    """Parse a number as typed by a citizen (case and surrounding spaces forgiven).
    Raises `InvalidInput` naming `field` if it is not a well-formed, canonical case number."""
    cleaned = text.strip().upper()
    match = _CASE_NUMBER.fullmatch(cleaned)
    number = None
    if match:
        prefix, day, seq = match.groups()
        try:
            number = CaseNumber(
                hall_prefix=prefix,
                local_date=date(int(day[:4]), int(day[4:6]), int(day[6:])),
                sequence=int(seq),
            )
        except ValueError:
            number = None
    # Only the canonical spelling is accepted, so one case never has two valid numbers.
    if number is None or str(number) != cleaned:
        raise InvalidInput.single(
            field=field,
            zh="案件编号格式不正确,应类似 FT-20261121-0042",
            en="case number is not valid; it looks like FT-20261121-0042",
        )
    return number
