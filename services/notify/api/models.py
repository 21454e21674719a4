"""Notify's public response models."""

from pydantic import BaseModel, Field

from shared.api_models import PublicModel, UtcDateTime


class DeliveryPublic(PublicModel):
    """A delivery as staff see it: no address (personal data), the reason masked."""

    delivery_id: str
    channel: str
    recipient: str
    template: str
    event_type: str
    state: str
    attempts: int
    last_error: str | None
    due_at: UtcDateTime | None
    delivered_at: UtcDateTime | None


class TemplateNames(BaseModel):
    templates: list[str]
    variables: list[str] = Field(description="The variables templates may use")
