"""Topic names, in one place. Every event of one case is keyed by its case id."""

PREFIX = "bancheng"

CASE_EVENTS = f"{PREFIX}.case.events"  # intake → everyone
WORKORDER_EVENTS = f"{PREFIX}.workorder.events"  # routing → intake, sla, notify, audit
SLA_EVENTS = f"{PREFIX}.sla.events"  # sla → intake, notify, audit
NOTIFY_RESULTS = f"{PREFIX}.notify.results"  # notify → audit
DEPARTMENT_COMMANDS = f"{PREFIX}.dept.commands"  # departments' own systems → routing
CASE_CONTACTS = f"{PREFIX}.case.contacts"  # intake → notify only: personal data for delivery
# identity → audit: logins, lockouts, logouts, system tokens; keyed by the subject (user:… or client:…)
IDENTITY_EVENTS = f"{PREFIX}.identity.events"

EVENT_STREAMS = (CASE_EVENTS, WORKORDER_EVENTS, SLA_EVENTS, NOTIFY_RESULTS, IDENTITY_EVENTS)
DEPARTMENT_TOPIC_PATTERN = rf"{PREFIX}\.dept\.[a-z0-9_-]+\.workorders"
CHANNEL_TOPIC_PATTERN = rf"{PREFIX}\.notify\.channel\.[a-z0-9_-]+"


def department_topic(department_code: str) -> str:
    """The work-order feed a department's own system subscribes to."""
    return f"{PREFIX}.dept.{department_code}.workorders"


def channel_topic(channel: str) -> str:
    """Delivery requests for one notification channel; its worker subscribes here."""
    return f"{PREFIX}.notify.channel.{channel}"


def dead_letter_topic(consumer_group: str) -> str:
    """Where a consumer group parks the messages it could not apply, with the reason."""
    return f"{PREFIX}.dlq.{consumer_group}"
