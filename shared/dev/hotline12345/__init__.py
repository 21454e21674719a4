"""A small stand-in for the 12345 hotline platform (12345政务服务便民热线), for `make run` and tests.

It speaks Bancheng's webhook protocol both ways (shared.webhook_signing): it pushes hotline orders
into intake's signed webhook, and receives the status sync Bancheng sends back (accepted, replied,
closed, callback), verifying each signature and rejecting replayed delivery ids.
"""
