"""What tests share and do not test: chat participants (`chat`), `serve` in a subprocess
(`serve`), a webhook receiver (`receiver`) and the ports of the servers a test starts
itself (`ports`)."""
