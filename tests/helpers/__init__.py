"""What tests share and do not test: chat participants (`chat`), `serve` in a subprocess
(`serve`), a webhook receiver (`receiver`), a SQLite store turned read-only
(`read_only`) and the ports of the servers a test starts itself (`ports`)."""
