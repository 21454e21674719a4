"""Pure SLA decisions: no Kafka, no database, no HTTP.

- `working_days`: the working-day calendar (statutory holidays, 调休, operator overrides).
- `policy`: per-district SLA policy loaded from YAML.
- `working_time`: office-hours clock arithmetic with pauses.
- `schedule`: a deadline's due instant and its firings (warnings, yellow and red cards).
- `sweep`: which firings are due now, once each, after downtime too.
- `supervision`: supervision items (督办) and the board's grouping.
"""
