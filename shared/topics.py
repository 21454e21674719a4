"""Topic names and who may use them, in one place. Every event of one case is keyed by its case id."""

from dataclasses import dataclass

PREFIX = "bancheng"

CASE_EVENTS = f"{PREFIX}.case.events"  # intake → everyone (the console: changes for browsers)
WORKORDER_EVENTS = f"{PREFIX}.workorder.events"  # routing → intake, sla, notify, audit, console
SLA_EVENTS = f"{PREFIX}.sla.events"  # sla → intake, routing (the calendar), notify, audit, console
NOTIFY_RESULTS = f"{PREFIX}.notify.results"  # notify → audit
DEPARTMENT_COMMANDS = f"{PREFIX}.dept.commands"  # departments' own systems → routing
CASE_CONTACTS = f"{PREFIX}.case.contacts"  # intake → notify only: personal data for delivery
# identity → audit: logins, lockouts, logouts, system tokens; keyed by the subject (user:… or client:…)
IDENTITY_EVENTS = f"{PREFIX}.identity.events"
# routing → every service: each accepted version of a district pack, keyed `district:<code>` and compacted,
# so reading it from the start gives every district's newest version (docs/districts.md, "At run time").
DISTRICT_PACKS = f"{PREFIX}.district.packs"

EVENT_STREAMS = (CASE_EVENTS, WORKORDER_EVENTS, SLA_EVENTS, NOTIFY_RESULTS, IDENTITY_EVENTS, DISTRICT_PACKS)
# Topics created with a configuration of their own; the others take the broker's defaults.
TOPIC_CONFIGS = {DISTRICT_PACKS: {"cleanup.policy": "compact"}}
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


# Who may touch which topic: the bus's access-control lists (deploy/kafka/acls.txt, `python -m
# shared.kafka_acls`) are generated from this table, and tests hold it to the services' real consumers
# and to the producers named in the event contracts. `{department}` is one department's code (its own,
# for a department system); any other placeholder is a family owned whole (a channel's topics).
DEPARTMENT = "{department}"
CHANNEL = "{channel}"


@dataclass(frozen=True)
class Principal:
    """A bus user: the topics it writes, the topics it reads and the consumer groups it reads them in, and the
    topics every instance reads whole without a group (`follows`: the district packs, shared/districts/live.py)."""

    produces: tuple[str, ...] = ()
    consumes: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    follows: tuple[str, ...] = ()


SERVICE_PRINCIPALS = {
    "intake": Principal(
        produces=(CASE_EVENTS, CASE_CONTACTS),
        consumes=(WORKORDER_EVENTS, SLA_EVENTS),
        follows=(DISTRICT_PACKS,),
        groups=("intake",),
    ),
    "routing": Principal(
        produces=(WORKORDER_EVENTS, department_topic(DEPARTMENT), DISTRICT_PACKS),
        consumes=(CASE_EVENTS, DEPARTMENT_COMMANDS, SLA_EVENTS),
        follows=(DISTRICT_PACKS,),
        groups=("routing", "routing-commands", "routing-calendar"),
    ),
    "sla": Principal(produces=(SLA_EVENTS,), consumes=(CASE_EVENTS, WORKORDER_EVENTS), groups=("sla",),
                     follows=(DISTRICT_PACKS,)),
    "notify": Principal(
        produces=(NOTIFY_RESULTS, channel_topic(CHANNEL)),
        consumes=(CASE_EVENTS, WORKORDER_EVENTS, SLA_EVENTS, CASE_CONTACTS, channel_topic(CHANNEL)),
        follows=(DISTRICT_PACKS,),
        groups=("notify", f"notify.{CHANNEL}"),
    ),
    "audit": Principal(consumes=EVENT_STREAMS, groups=("audit",), follows=(DISTRICT_PACKS,)),
    # Identity publishes its logins for audit.
    "identity": Principal(produces=(IDENTITY_EVENTS,)),
    # The console fans changes out to browsers (services/console/handlers.py): it reads from the newest record
    # without a consumer group (nothing to commit), so it holds no group and no dead letters.
    "console": Principal(consumes=(CASE_EVENTS, WORKORDER_EVENTS, SLA_EVENTS)),
}
# A department's own system (its principal is `dept-<code>`): its feed in, its answers out, in groups
# named after it.
DEPARTMENT_SYSTEM = Principal(
    produces=(DEPARTMENT_COMMANDS,),
    consumes=(department_topic(DEPARTMENT),),
    groups=(f"dept-{DEPARTMENT}",),
)


def department_principal(department_code: str) -> str:
    return f"dept-{department_code}"
