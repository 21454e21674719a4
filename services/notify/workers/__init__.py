"""The dispatcher notify runs beside its subscribers (a background loop: sends due deliveries, records every
attempt), and the channel adapters it sends through."""
