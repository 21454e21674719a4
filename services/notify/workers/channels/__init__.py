"""Outbound channel adapters: each turns a Message into one provider call and a DeliveryResult.

Every adapter has the same async `send(message) -> DeliveryResult` (see base.Channel); none raises
for a provider's or an address's fault. A channel worker subscribes to its channel's topic and calls it.
"""
