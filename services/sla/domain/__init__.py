"""Pure SLA decisions: no Kafka, no database, no HTTP.

- `policy`: per-district SLA policy loaded from YAML.
- `rules`: the policies and the district calendars (`shared.working_days`: statutory holidays, 调休,
  operator overrides) one process runs on.
- `working_time`: office-hours clock arithmetic with pauses.
- `schedule`: a deadline's due instant and its firings (warnings, yellow and red cards).
- `sweep`: which firings are due now, once each, after downtime too.
- `supervision`: supervision items (督办) and the board's grouping.
"""
