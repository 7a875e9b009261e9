/* The chat pages' script: the viewers' page, and (as window.LiveChat) what the
 * moderators' page shares with it: the relay connection with resume, the message
 * rendering and the reader's time format.
 *
 * Chat text is only ever put in the page as text (textContent, text nodes), never
 * parsed as HTML. Every sentence a reader sees comes from the page's JSON blocks,
 * translated on the server.
 */
"use strict";

(function () {
  // -- small helpers ------------------------------------------------------------------

  function readJson(id) {
    const node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : {};
  }

  /** An element with attributes, properties (on*), and children (strings become text). */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children) {
      if (child === null || child === undefined || child === false) continue;
      node.append(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  /** A translated sentence with {placeholders} as nodes: values are isolated text. */
  function fillNodes(template, params) {
    const fragment = document.createDocumentFragment();
    let last = 0;
    template.replace(/\{(\w+)\}/g, (match, key, offset) => {
      fragment.append(document.createTextNode(template.slice(last, offset)));
      const value = key in params ? params[key] : match;
      fragment.append(value instanceof Node ? value : el("bdi", { text: String(value) }));
      last = offset + match.length;
      return match;
    });
    fragment.append(document.createTextNode(template.slice(last)));
    return fragment;
  }

  /** A translated sentence with {placeholders} filled, as a plain string. */
  function fill(template, params) {
    return template.replace(/\{(\w+)\}/g, (match, key) => (key in params ? String(params[key]) : match));
  }

  function pad(n) {
    return n < 10 ? "0" + n : String(n);
  }

  // -- the reader's formats (CLDR patterns from Babel, applied in the reader's zone) ---

  const PATTERN = /'((?:[^']|'')*)'|([A-Za-z])\2*/g;

  class Formats {
    constructor(config) {
      this.config = config;
      this.formats = config.formats || {};
      this.parts = new Intl.DateTimeFormat("en-US", {
        timeZone: config.zone || "UTC",
        year: "numeric",
        month: "numeric",
        day: "numeric",
        hour: "numeric",
        minute: "numeric",
        hourCycle: "h23",
      });
    }

    fields(date) {
      const f = {};
      for (const part of this.parts.formatToParts(date)) f[part.type] = part.value;
      return { y: +f.year, M: +f.month, d: +f.day, H: +f.hour % 24, m: +f.minute };
    }

    apply(pattern, v) {
      return pattern.replace(PATTERN, (all, quoted, letter) => {
        if (quoted !== undefined) return quoted === "" ? "'" : quoted.replace(/''/g, "'");
        const wide = all.length >= 2;
        switch (letter) {
          case "y":
            return all.length === 2 ? pad(v.y % 100) : String(v.y);
          case "M":
          case "L":
            return wide ? pad(v.M) : String(v.M);
          case "d":
            return wide ? pad(v.d) : String(v.d);
          case "H":
            return wide ? pad(v.H) : String(v.H);
          case "h": {
            const h = v.H % 12 || 12;
            return wide ? pad(h) : String(h);
          }
          case "m":
            return pad(v.m);
          case "a":
          case "b":
          case "B":
            return v.H < 12 ? this.formats.am : this.formats.pm;
          default:
            return "";
        }
      });
    }

    /** The time of a moment; the date too when it is not today. */
    when(iso) {
      const date = new Date(iso);
      if (Number.isNaN(date.getTime())) return "";
      const v = this.fields(date);
      const time = this.apply(this.formats.time || "HH:mm", v);
      const day = `${v.y}-${pad(v.M)}-${pad(v.d)}`;
      if (day === this.config.today) return time;
      const dated = this.apply(this.formats.date || "y-MM-dd", v);
      return (this.formats.datetime || "{1} {0}").replace("{1}", dated).replace("{0}", time);
    }

    number(n) {
      const digits = String(Math.trunc(n));
      if (digits.length < 4) return digits;
      return digits.replace(/\B(?=(\d{3})+(?!\d))/g, this.formats.group || ",");
    }

    duration(seconds) {
      const known = (this.config.durations || {})[String(seconds)];
      return known || fill(this.config.seconds || "{n}", { n: this.number(seconds) });
    }
  }

  // -- the relay connection: reconnects, resumes with ?since=, never shows a message twice

  class Relay {
    /**
     * options.params(): the query (URLSearchParams) of the next connection;
     * options.onFrame(frame); options.onState(state, detail) with state in
     * connecting | open | lost | ended.
     */
    constructor(config, options) {
      this.config = config;
      this.options = options;
      this.lastId = typeof config.since === "number" ? config.since : null;
      this.socket = null;
      this.attempt = 0;
      this.timer = null;
      this.stopped = false;
      this.greeted = false;
      this.everGreeted = false;
      this.refs = 0;
    }

    url() {
      const scheme = location.protocol === "https:" ? "wss:" : "ws:";
      const params = this.options.params();
      if (this.lastId !== null) params.set("since", String(this.lastId));
      return `${scheme}//${location.host}${this.config.socket}?${params}`;
    }

    connect() {
      clearTimeout(this.timer);
      this.stopped = false;
      this.greeted = false;
      this.options.onState("connecting");
      const socket = new WebSocket(this.url());
      this.socket = socket;
      socket.addEventListener("message", (event) => {
        if (socket !== this.socket) return;
        let frame;
        try {
          frame = JSON.parse(event.data);
        } catch (error) {
          return;
        }
        this.seen(frame);
        this.options.onFrame(frame);
      });
      socket.addEventListener("close", (event) => {
        if (socket !== this.socket) return;
        this.socket = null;
        this.closed(event);
      });
    }

    seen(frame) {
      if (frame.type === "hello") {
        this.attempt = 0;
        this.greeted = true;
        const resumed = this.everGreeted;
        this.everGreeted = true;
        this.options.onState("open", { resumed: resumed, recovered: frame.recovered !== false });
        if (this.lastId === null) this.lastId = frame.last_id;
      } else if (frame.type === "chat" && typeof frame.id === "number") {
        this.lastId = this.lastId === null ? frame.id : Math.max(this.lastId, frame.id);
      }
    }

    closed(event) {
      if (this.stopped) return;
      // A policy close (banned, abuse) is final: coming back would be refused again.
      if (event.code === 1008) {
        this.stopped = true;
        this.options.onState("ended", { code: event.code });
        return;
      }
      const wasGreeted = this.greeted;
      this.options.onState("lost", { greeted: wasGreeted, code: event.code });
      if (this.stopped) return;
      this.attempt += 1;
      const delay = Math.min(15000, 500 * 2 ** Math.min(this.attempt, 5)) * (0.75 + Math.random() / 2);
      this.timer = setTimeout(() => this.connect(), delay);
    }

    /** Connect again now (new name, new token), resuming where the page is. */
    restart() {
      const old = this.socket;
      this.socket = null;
      if (old) old.close(1000);
      this.connect();
    }

    stop() {
      this.stopped = true;
      clearTimeout(this.timer);
      const old = this.socket;
      this.socket = null;
      if (old) old.close(1000);
    }

    get open() {
      return this.socket !== null && this.socket.readyState === WebSocket.OPEN && this.greeted;
    }

    /** Send a frame with a fresh ref; the ref, or null when not connected. */
    send(frame) {
      if (!this.open) return null;
      this.refs += 1;
      const ref = "r" + this.refs;
      this.socket.send(JSON.stringify({ ...frame, ref: ref }));
      return ref;
    }
  }

  // -- messages --------------------------------------------------------------------------

  /**
   * A chat message as a list item. `view` gives texts, formats, languages (code →
   * name), you (own user id), find(id) → an earlier frame, actions(frame) → nodes.
   */
  function renderMessage(frame, view) {
    const user = frame.user || {};
    const role = user.role || "viewer";
    const classes = ["msg", "role-" + role];
    if (frame.broadcast) classes.push("broadcast");
    if (view.you && user.id === view.you) classes.push("mine");
    if (frame.fallback) classes.push("fallback");
    const item = el("li", {
      class: classes.join(" "),
      "data-id": frame.id,
      "data-lang": frame.lang,
      "data-user": user.id,
      dir: (view.directions || {})[frame.lang] || null,
    });
    const meta = el("p", { class: "meta" }, el("bdi", { class: "who", text: user.name || "" }));
    const roleName = (view.texts.roles || {})[role];
    if (roleName) meta.append(" ", el("span", { class: "badge role", text: roleName }));
    if (frame.broadcast) meta.append(" ", el("span", { class: "badge everyone", text: view.texts.broadcast }));
    meta.append(
      " ",
      el("span", {
        class: "tag",
        lang: "en",
        dir: "ltr",
        title: view.languages[frame.lang] || frame.lang,
        text: frame.lang,
      })
    );
    if (frame.ts) meta.append(" ", el("time", { datetime: frame.ts, text: view.formats.when(frame.ts) }));
    item.append(meta);
    if (frame.reply_to) {
      const target = view.find(frame.reply_to);
      const name = target ? (target.user || {}).name || "" : view.texts.earlier_message;
      const quote = el("p", { class: "quote" }, fillNodes(view.texts.in_reply_to, { name: name }));
      if (target) {
        quote.append(": ", el("span", { dir: ownDirection(target.text), lang: target.lang, text: excerpt(target.text) }));
      }
      item.append(quote);
    }
    item.append(el("p", { class: "text", dir: ownDirection(frame.text), lang: frame.lang, text: frame.text }));
    const actions = view.actions ? view.actions(frame) : [];
    if (actions.length && view.inlineActions) meta.append(el("span", { class: "actions" }, ...actions));
    else if (actions.length) item.append(el("p", { class: "actions" }, ...actions));
    return item;
  }

  /** Text with letters takes their direction; "+" or "👍" keeps its language's direction. */
  function ownDirection(text) {
    return /\p{L}/u.test(text || "") ? "auto" : null;
  }

  function excerpt(text) {
    const chars = Array.from(text || "");
    return chars.length > 80 ? chars.slice(0, 79).join("") + "…" : chars.join("");
  }

  /** Keep a list scrolled to its end when the reader was already there. */
  function appendScrolled(list, item, limit) {
    const scroller = list;
    const atEnd = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 48;
    list.append(item);
    while (limit && list.children.length > limit) list.firstElementChild.remove();
    if (atEnd) scroller.scrollTop = scroller.scrollHeight;
  }

  function noticeItem(text) {
    return el("li", { class: "notice", role: "note" }, el("span", { dir: "auto", text: text }));
  }

  window.LiveChat = {
    readJson: readJson,
    el: el,
    fill: fill,
    fillNodes: fillNodes,
    Formats: Formats,
    Relay: Relay,
    renderMessage: renderMessage,
    appendScrolled: appendScrolled,
    noticeItem: noticeItem,
  };

  // -- the viewers' page -------------------------------------------------------------

  const LIMIT = 500;

  function viewerPage(root) {
    const config = readJson("chat-config");
    const texts = readJson("chat-texts");
    const formats = new Formats(config);
    const languages = Object.fromEntries(config.languages);
    const list = document.getElementById("messages");
    const status = document.getElementById("connection");
    const sendForm = document.getElementById("send-form");
    const textBox = sendForm.elements.text;
    const sendStatus = document.getElementById("send-status");
    const writeIn = document.getElementById("write-in");
    const writeSelect = writeIn.querySelector("select");
    const replying = document.getElementById("replying");
    const guestForm = document.getElementById("guest-form");
    const nameBox = guestForm.elements.name;
    const pinned = document.getElementById("pinned");
    const boxes = Array.from(root.querySelectorAll('input[name="channel"]'));
    const frames = new Map(); // id → chat frame, for replies
    const items = new Map(); // id → list item
    const sent = new Map(); // ref → what was sent
    const products = new Map(); // lang → the latest product frame
    let you = null;
    let replyTo = null;
    // Whether the reader chose their channels (?channel=, the boxes): only then are they
    // declared to the relay, for their messages' language (see docs/protocol.md).
    let chosen = Boolean(config.chosen);
    const NAME_KEY = "livecommerce.name";

    try {
      nameBox.value = localStorage.getItem(NAME_KEY) || "";
    } catch (error) {
      /* storage can be off: the name is then asked again next time */
    }

    function channels() {
      return boxes.filter((box) => box.checked).map((box) => box.value);
    }

    function setChannels(langs) {
      for (const box of boxes) box.checked = langs.includes(box.value);
      channelsChanged();
    }

    // A message is shown in the channels read, or to everyone; one's own always, also
    // when the room placed it in another language than the ones read.
    function shownIn(reading, item) {
      return (
        item.classList.contains("broadcast") ||
        item.classList.contains("mine") ||
        reading.includes(item.dataset.lang)
      );
    }

    function channelsChanged() {
      const reading = channels();
      const previous = writeSelect.value;
      writeSelect.replaceChildren(
        ...reading.map((code) => el("option", { value: code, text: languages[code] || code }))
      );
      if (reading.includes(previous)) writeSelect.value = previous;
      writeIn.hidden = reading.length < 2;
      for (const item of list.querySelectorAll("li.msg")) {
        item.hidden = !shownIn(reading, item);
      }
      showProduct();
      updateEmpty();
    }

    function say(node, text, kind) {
      node.textContent = text || "";
      node.className = node.className.replace(/\s*is-\w+/g, "") + (kind ? " is-" + kind : "");
    }

    function updateEmpty() {
      const visible = list.querySelector("li.msg:not([hidden]), li.notice");
      list.classList.toggle("empty", !visible);
      list.dataset.empty = texts.empty;
    }

    const view = {
      texts: texts,
      formats: formats,
      languages: languages,
      directions: config.directions,
      inlineActions: true,
      get you() {
        return you && you.id;
      },
      find: (id) => frames.get(id),
      actions: (frame) => [
        el("button", {
          type: "button",
          class: "link",
          text: texts.reply,
          onclick: () => startReply(frame),
        }),
      ],
    };

    function startReply(frame) {
      replyTo = frame.id;
      replying.hidden = false;
      replying.querySelector("span").replaceChildren(
        fillNodes(texts.replying_to, { name: (frame.user || {}).name || "" })
      );
      if (channels().includes(frame.lang)) writeSelect.value = frame.lang;
      textBox.focus();
    }

    function stopReply() {
      replyTo = null;
      replying.hidden = true;
    }

    function addMessage(frame) {
      if (items.has(frame.id)) return; // a replay after a reconnect: already shown
      frames.set(frame.id, frame);
      // One's own held message, approved while the page was away from the chat.
      if (you && (frame.user || {}).id === you.id) {
        for (const pending of list.querySelectorAll("li.pending")) {
          if (pending.dataset.text === frame.text) pending.remove();
        }
      }
      const item = renderMessage(frame, view);
      item.hidden = !shownIn(channels(), item);
      items.set(frame.id, item);
      appendScrolled(list, item, LIMIT);
      if (items.size > LIMIT) {
        for (const id of items.keys()) {
          if (items.get(id).isConnected) break;
          items.delete(id);
          frames.delete(id);
        }
      }
      updateEmpty();
    }

    function addPending(heldId, what) {
      const frame = {
        id: "held-" + heldId,
        lang: what.lang,
        text: what.text,
        ts: null, // the room's clock, not this browser's, stamps a message: none yet
        user: you || {},
        reply_to: what.reply_to,
      };
      const item = renderMessage(frame, { ...view, actions: null });
      item.classList.add("pending");
      item.dataset.held = String(heldId);
      item.dataset.text = what.text;
      item.querySelector(".meta").append(" ", el("span", { class: "badge waiting", text: texts.pending }));
      appendScrolled(list, item, LIMIT);
      updateEmpty();
    }

    function notice(text) {
      if (!text) return;
      appendScrolled(list, noticeItem(text), LIMIT);
      updateEmpty();
    }

    function showProduct() {
      const chosen = channels();
      const preferred = [config.locale.split("_")[0], ...chosen];
      let frame = null;
      for (const lang of preferred) {
        if (chosen.includes(lang) && products.has(lang)) {
          frame = products.get(lang);
          break;
        }
      }
      if (!frame || frame.action === "unpin") {
        pinned.hidden = true;
        return;
      }
      pinned.hidden = false;
      pinned.querySelector(".product-name").textContent = frame.name;
      pinned.querySelector(".product-price").textContent = (frame.prices || [])
        .map((price) => price.display)
        .join(" · ");
    }

    function onFrame(frame) {
      switch (frame.type) {
        case "hello":
          you = frame.you;
          if (Array.isArray(frame.langs) && frame.langs.length) setChannels(frame.langs);
          say(status, fill(texts.connected_as, { name: you.name }), "open");
          break;
        case "chat":
          addMessage(frame);
          break;
        case "ack": {
          const what = sent.get(frame.ref);
          if (frame.held_id !== undefined) {
            const pending = list.querySelector(`li.pending[data-held="${Number(frame.held_id)}"]`);
            if (pending) pending.remove();
            say(sendStatus, texts.approved, "ok");
          } else if (frame.status === "held") {
            if (what) addPending(frame.id, what);
            say(sendStatus, texts.held, "held");
          } else if (frame.status === "rejected") {
            const pending = list.querySelector(`li.pending[data-held="${Number(frame.id)}"]`);
            if (pending) {
              pending.classList.add("rejected");
              const badge = pending.querySelector(".badge.waiting");
              if (badge) badge.textContent = texts.rejected;
            }
            say(sendStatus, texts.rejected, "error");
          } else {
            say(sendStatus, texts.sent, "ok");
          }
          if (what && textBox.value.trim() === what.text) textBox.value = "";
          sent.delete(frame.ref);
          break;
        }
        case "error":
          if (frame.ref && sent.has(frame.ref)) {
            sent.delete(frame.ref);
            say(sendStatus, frame.message, "error");
          } else {
            notice(frame.message);
          }
          break;
        case "notice":
          notice(frame.message);
          break;
        case "deleted": {
          const item = items.get(frame.id);
          if (item) item.remove();
          items.delete(frame.id);
          frames.delete(frame.id);
          updateEmpty();
          break;
        }
        case "moved": {
          // A moderator moved a message to another language channel: shown in its new
          // language, and only to readers of that channel.
          const shown = frames.get(frame.id);
          const item = items.get(frame.id);
          if (shown && item) {
            const updated = { ...shown, lang: frame.lang };
            frames.set(frame.id, updated);
            const fresh = renderMessage(updated, view);
            fresh.hidden = !shownIn(channels(), fresh);
            item.replaceWith(fresh);
            items.set(frame.id, fresh);
            updateEmpty();
          }
          break;
        }
        case "product":
          products.set(frame.lang, frame);
          showProduct();
          break;
        case "subscribed":
          if (Array.isArray(frame.langs) && frame.langs.length) setChannels(frame.langs);
          break;
        default:
          break;
      }
    }

    function onState(state, detail) {
      root.dataset.state = state;
      if (state === "connecting" && !relay.everGreeted) say(status, texts.connecting, "");
      else if (state === "open" && detail.resumed && !detail.recovered) notice(texts.gap);
      else if (state === "lost") say(status, texts.reconnecting, "lost");
      else if (state === "ended") say(status, texts.ended, "error");
    }

    const relay = new Relay(config, {
      params: () => {
        const params = new URLSearchParams();
        if (chosen) params.set("lang", channels().join(","));
        params.set("locale", config.locale);
        const name = nameBox.value.trim();
        if (name) params.set("name", name);
        return params;
      },
      onFrame: onFrame,
      onState: onState,
    });

    for (const box of boxes) {
      box.addEventListener("change", () => {
        if (!channels().length) {
          box.checked = true;
          say(sendStatus, texts.one_channel, "error");
          return;
        }
        chosen = true;
        channelsChanged();
        relay.send({ type: "subscribe", langs: channels() });
      });
    }

    guestForm.addEventListener("submit", (event) => {
      event.preventDefault();
      try {
        localStorage.setItem(NAME_KEY, nameBox.value.trim());
      } catch (error) {
        /* see above */
      }
      relay.restart();
    });

    replying.querySelector("button").addEventListener("click", stopReply);

    sendForm.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = textBox.value.trim();
      if (!text) return;
      const reading = channels();
      // Several channels: the reader says which one. One they chose: that one. None
      // chosen: no language, the relay reads it from what they wrote.
      const lang = reading.length > 1 ? writeSelect.value : chosen ? reading[0] : undefined;
      const frame = { type: "chat", text: text };
      if (lang) frame.lang = lang;
      if (replyTo !== null) frame.reply_to = replyTo;
      const ref = relay.send(frame);
      if (ref === null) {
        say(sendStatus, texts.not_connected, "error");
        return;
      }
      sent.set(ref, { text: text, lang: lang, reply_to: frame.reply_to });
      say(sendStatus, texts.sending, "");
      stopReply();
    });

    textBox.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        sendForm.requestSubmit();
      }
    });

    channelsChanged();
    relay.connect();
    window.LiveChat.page = { relay: relay };
  }

  document.addEventListener("DOMContentLoaded", () => {
    const root = document.getElementById("chat");
    if (root) viewerPage(root);
  });
})();
