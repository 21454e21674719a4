"""Routing's domain errors: each carries a stable code and a message in Chinese and English.

The HTTP and command layers map the classes to responses (not found, forbidden, conflict, invalid);
nothing is changed when one of these is raised.
"""


class RoutingError(Exception):
    """Base of every routing domain error."""

    code = "routing_error"

    def __init__(self, *, en: str, zh: str) -> None:
        super().__init__(f"{en} / {zh}")
        self.message_en = en
        self.message_zh = zh


class CatalogueInvalid(RoutingError):
    """A data file is malformed or references something that does not exist."""

    code = "catalogue_invalid"


class NotFound(RoutingError):
    """An unknown district, department, matter or problem kind."""

    code = "not_found"


class WrongDepartment(RoutingError):
    """A department acted on a work order that is not addressed to it."""

    code = "wrong_department"


class SelfApproval(RoutingError):
    """Whoever requested an extension may not decide it (separation of duties)."""

    code = "self_approval"


class InvalidTransition(RoutingError):
    """The work order's state does not allow the requested action."""

    code = "invalid_transition"


class InvalidRequest(RoutingError):
    """The action's own input is incomplete or inconsistent (missing reason, bad date, …)."""

    code = "invalid_request"


class VersionMismatch(RoutingError):
    """A pack change aimed at a version that is no longer in force (If-Match): read it again."""

    code = "version_mismatch"


class PackRejected(RoutingError):
    """A district pack that does not validate as a whole: every problem, each with its field path."""

    code = "pack_invalid"

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__(en=f"the district pack has {len(problems)} problem(s)",
                         zh=f"辖区配置包有 {len(problems)} 处问题")
        self.problems = problems
