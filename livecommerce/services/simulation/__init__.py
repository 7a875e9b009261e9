"""`livecommerce simulate SHOW`: a whole show played against a running server.

The simulator is a client of the server, like a viewer's browser or a shop: it speaks the
chat protocol over websockets and posts to the HTTP API, and never imports the web
adapter. `phrases` is its bank of chat lines in seven languages, `script` turns a seed
into the show's events (pure), `participants` are the websocket clients (resume, resend),
`posts` the signed HTTP requests (orders, transcript, pins), `runner` plays the script
in compressed time and keeps the tally.
"""
