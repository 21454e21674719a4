"""Validation of recipients' addresses: a malformed one is a permanent failure with its reason."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from shared.masking import mask_email, mask_phone, mask_text

from .model import ChannelName

# Mainland mobile numbers, optionally prefixed by +86 / 86.
_MOBILE = re.compile(r"^(?:\+?86)?1[3-9]\d{9}$")
# Deliberately simple: one @, a dotted domain, no spaces; the SMTP server has the last word.
_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$")


def normalise_phone(phone: str) -> str:
    """The 11-digit national form of a valid mobile number (spaces and dashes dropped)."""
    compact = re.sub(r"[\s-]", "", phone)
    return compact[-11:]


def phone_problem(phone: str) -> str | None:
    compact = re.sub(r"[\s-]", "", phone)
    if not _MOBILE.match(compact):
        return f"malformed mobile number {mask_phone(phone)}"
    return None


def email_problem(address: str) -> str | None:
    if not _EMAIL.match(address) or ".." in address:
        return f"malformed e-mail address {mask_email(address)}"
    return None


def url_problem(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or " " in url:
        # URLs may carry robot keys: never echo more than scheme and host.
        return f"malformed URL (scheme {parts.scheme or 'missing'!r}, host {parts.hostname or 'missing'!r})"
    return None


def address_problem(channel: ChannelName, address: str | None) -> str | None:
    """Why `address` cannot be used on `channel`, or None when it can."""
    if not address:
        return f"no {channel.value} address on file for this recipient"
    match channel:
        case ChannelName.sms:
            return phone_problem(address)
        case ChannelName.email:
            return email_problem(address)
        case ChannelName.webhook | ChannelName.wecom | ChannelName.dingtalk:
            return url_problem(address)
        case ChannelName.hotline_12345:
            # The address is the hotline's ticket id; its endpoint is the adapter's setting.
            if not re.fullmatch(r"[A-Za-z0-9_.:-]{1,64}", address):
                return f"malformed 12345 ticket id {mask_text(address)!r}"
            return None
        case ChannelName.file:
            return None
