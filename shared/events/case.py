"""Case events (案件). Producer: intake. Consumers: routing, sla, notify, audit.

Personal data (names, ID and phone numbers) never travels on this stream: only masked forms.
"""

from typing import Literal

from pydantic import Field

from shared.events.base import Event

Channel = Literal["walk_in", "phone", "letter", "web", "terminal", "hotline_12345", "open311"]
Tier = Literal["immediate", "simple", "general", "complex"]


class CaseRegistered(Event):
    """A case was registered (登记) at a hall's window or through a channel."""

    type = "case.registered"

    case_number: str = Field(examples=["DEMO-20261121-0042"])
    hall: str
    channel: Channel
    problem_kind: str = Field(examples=["missing_materials"])
    matter_code: str | None = Field(default=None, examples=["lease_filing"])
    description: str
    tier: Tier = "general"
    green_channel: bool = False
    applicant_kind: Literal["person", "enterprise"]
    applicant_masked: str = Field(description="e.g. 张* / 深圳市某某有限公司")
