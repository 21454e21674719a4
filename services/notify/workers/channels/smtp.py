"""E-mail over SMTP: stdlib smtplib in a worker thread, one connection per message."""

from __future__ import annotations

import asyncio
import smtplib
from email.message import EmailMessage
from email.utils import formataddr, formatdate

from pydantic import BaseModel, ConfigDict

from services.notify.domain.model import ChannelName, Message

from .base import Channel, DeliveryFailed


class SmtpSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    host: str
    port: int = 25
    sender: str
    sender_name: str = "办成 Bancheng"
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    ssl: bool = False  # implicit TLS (port 465)
    timeout: float = 15.0
    message_id_domain: str = "bancheng.local"


def build_email(message: Message, *, address: str, settings: SmtpSettings) -> EmailMessage:
    email = EmailMessage()
    email["From"] = formataddr((settings.sender_name, settings.sender))
    email["To"] = address
    email["Subject"] = message.subject
    email["Date"] = formatdate(localtime=False)
    # A Message-ID derived from the delivery id lets a mail system see a resend as the same message.
    email["Message-ID"] = f"<{message.delivery_id}@{settings.message_id_domain}>"
    email["X-Bancheng-Delivery"] = message.delivery_id
    email.set_content(message.text, charset="utf-8")
    return email


class EmailChannel(Channel):
    name = ChannelName.email

    def __init__(self, *, settings: SmtpSettings) -> None:
        self._settings = settings

    async def _deliver(self, message: Message, address: str) -> str | None:
        email = build_email(message, address=address, settings=self._settings)
        await asyncio.to_thread(self._send_blocking, email)
        return email["Message-ID"]

    def _send_blocking(self, email: EmailMessage) -> None:
        s = self._settings
        try:
            smtp_class = smtplib.SMTP_SSL if s.ssl else smtplib.SMTP
            with smtp_class(s.host, s.port, timeout=s.timeout) as smtp:
                if s.starttls:
                    smtp.starttls()
                if s.username:
                    smtp.login(s.username, s.password or "")
                smtp.send_message(email)
        except smtplib.SMTPRecipientsRefused as error:
            code, text = next(iter(error.recipients.values()))
            raise _by_code(code, f"recipient refused: {code} {_decode(text)}") from error
        except smtplib.SMTPResponseException as error:
            raise _by_code(error.smtp_code, f"SMTP {error.smtp_code} {_decode(error.smtp_error)}") from error
        except (smtplib.SMTPException, OSError) as error:
            # Disconnects, refused connections and timeouts: the server may well be back soon.
            raise DeliveryFailed.retryable(f"SMTP connection: {type(error).__name__}: {error}") from error


def _by_code(code: int, reason: str) -> DeliveryFailed:
    """SMTP's own convention: 5xx is permanent, 4xx is transient (the reverse of HTTP's 4xx)."""
    if 500 <= code < 600:
        return DeliveryFailed.permanent(reason)
    return DeliveryFailed.retryable(reason)


def _decode(text: bytes | str) -> str:
    return text.decode("utf-8", errors="replace") if isinstance(text, bytes) else text
