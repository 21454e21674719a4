"""Value types shared by the planner, the templates and the channel adapters."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

from shared.clock import as_utc


class Audience(StrEnum):
    """Whom a rule notifies."""

    citizen = "citizen"  # 企业群众 / 办事人
    lead_department = "lead_department"  # 主办部门
    assisting_departments = "assisting_departments"  # 协办部门
    hall_supervisor = "hall_supervisor"  # 大厅督办专员
    district_supervisor = "district_supervisor"  # 区政管办 / 数据管理局
    hotline = "hotline"  # 12345政务服务便民热线 platform, for cases it forwarded


class ChannelName(StrEnum):
    sms = "sms"
    email = "email"
    webhook = "webhook"
    wecom = "wecom"  # 企业微信群机器人
    dingtalk = "dingtalk"  # 钉钉群机器人
    hotline_12345 = "hotline_12345"
    file = "file"


class HotlineStatus(StrEnum):
    """Statuses the 12345 platform accepts from us."""

    accepted = "accepted"
    replied = "replied"
    closed = "closed"
    callback = "callback"  # 回访 result
    yellow_card = "yellow_card"  # 黄牌: the case or one of its work orders overdue
    red_card = "red_card"  # 红牌


HotlineFigures = dict[str, str | bool | None]
"""What the 12345 assessment counts, sent beside a status (cards; on time and satisfaction at closing)."""


UtcDatetime = Annotated[AwareDatetime, AfterValidator(as_utc)]
"""A timezone-aware datetime, normalised to UTC; naive values are rejected."""

TemplateValue = str | int | UtcDatetime


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CitizenContact(Frozen):
    """Personal data: travels only to the planner and the channel that needs it."""

    name: str | None = None
    phone: str | None = None
    email: str | None = None


class NotificationContext(Frozen):
    """What the handler knows about the case when an event arrives."""

    event_id: str
    case_id: str
    case_number: str
    district: str
    hall_id: str | None = None
    green_channel: bool = False  # 绿色通道: urgent cases bypass citizens' quiet hours
    citizen: CitizenContact | None = None
    lead_department: str | None = None
    assisting_departments: tuple[str, ...] = ()
    hotline_ticket_id: str | None = None  # set when 12345 forwarded the case
    hotline_figures: HotlineFigures = Field(default_factory=dict)
    variables: dict[str, TemplateValue] = Field(default_factory=dict)


class Delivery(Frozen):
    """One message to one recipient on one channel, planned but not yet rendered."""

    delivery_id: str  # deterministic per (event, recipient, channel): the dedupe key
    event_id: str
    event_type: str
    case_id: str
    audience: Audience
    recipient_id: str
    recipient_name: str
    channel: ChannelName
    address: str | None  # None when nothing is on file; the channel fails it with the reason
    template: str
    variables: dict[str, TemplateValue]
    hotline_status: HotlineStatus | None = None
    hotline_figures: HotlineFigures | None = None
    not_before: UtcDatetime  # later than the event when quiet hours defer it


class Message(Frozen):
    """A rendered delivery, as published on its channel's topic."""

    delivery_id: str
    channel: ChannelName
    address: str | None
    recipient_name: str
    subject: str
    text: str
    markdown: str | None = None
    not_before: UtcDatetime
    metadata: dict[str, str] = Field(default_factory=dict)
    hotline_figures: HotlineFigures | None = None
