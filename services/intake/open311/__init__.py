"""Open311 GeoReport v2 (docs/open311.md): citizens' apps and civic platforms report problems to the
window in the open standard's shape; a report becomes a case through intake's own registration."""
