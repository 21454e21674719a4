"""Development and test tooling, never imported by a service or the runtime library: the dev broker
(`broker`), the whole system on one machine (`stack`, `make run`), a demo login for curl (`login`) and the
12345 hotline simulator (`hotline12345`)."""
