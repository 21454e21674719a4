"""The base of every event contract, and the registry consumers decode by (type, version)."""

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

_REGISTRY: dict[tuple[str, int], type["Event"]] = {}


class Event(BaseModel):
    """An event contract. Consumers tolerate unknown fields; changing a field means a new version."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    type: ClassVar[str]
    version: ClassVar[int] = 1

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "type" in cls.__dict__:
            _REGISTRY[(cls.type, cls.version)] = cls


def event_class(event_type: str, version: int) -> type[Event] | None:
    return _REGISTRY.get((event_type, version))


def registered_events() -> dict[tuple[str, int], type[Event]]:
    return dict(_REGISTRY)
