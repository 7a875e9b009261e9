// A reference chat relay on Node.js and the `ws` package: bench/reference_relay.py,
// line for line, so that bench/relay.py can set livecommerce against a Node relay too.
//
// It speaks enough of protocol v1 for the benchmark's clients (`hello`, `chat`, `ack`)
// and does only language-group broadcast: each connection joins the groups of its `lang`
// query parameters; a chat frame from a client is encoded once (JSON to UTF-8 bytes) and
// the same buffer is sent to every socket of the message's language group. No tokens,
// moderation, history, storage, language detection or localization.
//
// Install `ws` once with `make bench-deps` (npm ci --prefix bench), then run on its own:
// `node bench/reference_relay.js [--host 127.0.0.1] [--port 0]`; it prints
// `serving on http://HOST:PORT` once it listens.
"use strict";

const http = require("node:http");
const { WebSocketServer } = require("ws");

// A socket that has this much unsent is a slow consumer: cut, as the real relay does.
const MAX_BUFFER = 4 * 1024 * 1024;
const PATH = /^\/ws\/streams\/([^/?]+)$/;

const groups = new Map(); // language -> Set of sockets
let nextId = 1;

function broadcast(lang, data) {
  for (const socket of groups.get(lang) ?? []) {
    socket.send(data, { binary: false });
    if (socket.bufferedAmount > MAX_BUFFER) {
      drop(socket);
      socket.terminate();
    }
  }
}

function drop(socket) {
  for (const group of groups.values()) group.delete(socket);
}

function langsOf(values) {
  const found = [];
  for (const value of values) {
    for (let part of value.split(",")) {
      part = part.trim().toLowerCase();
      if (part && !found.includes(part)) found.push(part);
    }
  }
  return found;
}

function join(socket, request) {
  const url = new URL(request.url, "http://relay");
  let stream = url.pathname.split("/").pop();
  try {
    stream = decodeURIComponent(stream);
  } catch {
    // Not valid percent-encoding: echo it as sent.
  }
  const langs = langsOf(url.searchParams.getAll("lang"));
  if (langs.length === 0) langs.push("ru");
  const name = [...(url.searchParams.get("name") ?? "guest")].slice(0, 32).join("");
  const user = { id: `g-${name}`, name, role: "viewer" };
  const hello = { type: "hello", v: 1, you: user, stream: { id: stream, languages: langs }, langs };
  socket.send(JSON.stringify(hello));
  for (const lang of langs) {
    if (!groups.has(lang)) groups.set(lang, new Set());
    groups.get(lang).add(socket);
  }
  socket.on("close", () => drop(socket));
  socket.on("message", (raw, isBinary) => {
    if (isBinary) return;
    let data;
    try {
      data = JSON.parse(raw.toString());
    } catch {
      return;
    }
    if (data === null || typeof data !== "object" || Array.isArray(data)) return;
    if (data.type !== "chat") return;
    const lang = langs.includes(data.lang) ? data.lang : langs[0];
    const id = nextId++;
    let text = String(data.text ?? "");
    if (text.length > 500) text = [...text].slice(0, 500).join("");
    const ts = new Date().toISOString();
    const chat = { type: "chat", id, lang, text, user, ts, mentions: [] };
    broadcast(lang, Buffer.from(JSON.stringify(chat)));
    const ack = { type: "ack", id, status: "sent" };
    if (typeof data.ref === "string") ack.ref = data.ref;
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(ack));
  });
}

function main() {
  const args = process.argv.slice(2);
  const option = (name, fallback) => {
    const at = args.indexOf(name);
    return at >= 0 && at + 1 < args.length ? args[at + 1] : fallback;
  };
  const host = option("--host", "127.0.0.1");
  const port = Number(option("--port", "0"));
  const server = http.createServer((request, response) => {
    response.writeHead(404).end();
  });
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 16384 });
  server.on("upgrade", (request, socket, head) => {
    if (!PATH.test(new URL(request.url, "http://relay").pathname)) {
      socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n");
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => join(ws, request));
  });
  server.listen({ host, port, backlog: 1024 }, () => {
    const bound = server.address();
    console.log(`serving on http://${bound.address}:${bound.port}`);
  });
  const stop = () => {
    for (const client of wss.clients) client.terminate();
    server.close(() => process.exit(0));
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main();
