"""District events: a version of a district pack (辖区配置包) was published. Producer: routing (the one owner of
pack changes, `PUT /districts/{code}/pack`). Consumers: every service applies its own part; audit keeps each
version in its log.

Keyed by `district:<code>` (the envelope's case id), not a case id, on the compacted `bancheng.district.packs`:
read from the start it holds every district's newest version. The envelope's actor is who published it, its
time when.
"""

from typing import Any

from pydantic import Field

from shared.events.base import Event

SUBJECT_PREFIX = "district:"


def district_subject(code: str) -> str:
    """The envelope's case id (and record key) of a district's pack events: one key per district."""
    return f"{SUBJECT_PREFIX}{code}"


class DistrictPackPublished(Event):
    """A whole district pack, validated as a whole, in force from `pack_version` on."""

    type = "district.pack_published"

    district: str = Field(examples=["shenzhen-shahe"])
    pack_version: int = Field(ge=1, description="The pack's version; the previous one + 1")
    pack: dict[str, Any] = Field(description="The whole pack (shared/districts/schema.py DistrictPack) as JSON, "
                                             "its `version` equal to `pack_version`")
    change: str = Field("", description="What the publisher said changed")
