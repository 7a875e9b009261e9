/* The moderators' page: one column per moderated language (messages, held queue,
 * slow mode, replies), coverage and presence, and the moderation log. Builds on
 * window.LiveChat from chat.js; chat text goes in as text only, never as HTML.
 */
"use strict";

(function () {
  const LIMIT = 400;

  function moderatorPage(root) {
    const { readJson, el, fill, fillNodes, Formats, Relay, renderMessage, appendScrolled } =
      window.LiveChat;
    const config = readJson("chat-config");
    const texts = readJson("chat-texts");
    const formats = new Formats(config);
    const languages = Object.fromEntries(config.languages);
    const order = config.languages.map((pair) => pair[0]);
    const status = document.getElementById("connection");
    const tokenForm = document.getElementById("token-form");
    const tokenBox = tokenForm.elements.token;
    const timeoutSelect = document.getElementById("timeout-seconds");
    const columnsBox = document.getElementById("columns");
    const coverage = document.getElementById("coverage");
    const notices = document.getElementById("notices");
    const log = document.getElementById("mod-log");
    const heldBar = document.getElementById("held-total");
    const heldOlder = document.getElementById("held-older");
    const TOKEN_KEY = "livecommerce.token." + config.stream;

    const columns = new Map(); // lang → column
    const frames = new Map(); // id → chat frame
    const items = new Map(); // id → message item
    const names = new Map(); // user id → display name
    const pendingRefs = new Map(); // ref → column (for errors and acks)
    let you = null;
    let slow = {};
    // The held queue is sent a page at a time: its total, and where the next older page starts.
    const heldPage = { total: 0, oldest: null, more: false };

    function say(node, text, kind) {
      node.textContent = text || "";
      node.className = node.className.replace(/\s*is-\w+/g, "") + (kind ? " is-" + kind : "");
    }

    function notice(text) {
      if (!text) return;
      const item = el("li", { role: "note" }, el("span", { dir: "auto", text: text }));
      notices.prepend(item);
      while (notices.children.length > 5) notices.lastElementChild.remove();
    }

    // -- the token: from ?token= (then taken out of the address bar) or the session --

    function initialToken() {
      const params = new URLSearchParams(location.search);
      const fromUrl = params.get("token");
      if (fromUrl) {
        remember(fromUrl);
        params.delete("token");
        const rest = params.toString();
        history.replaceState(null, "", location.pathname + (rest ? "?" + rest : "") + location.hash);
        return fromUrl;
      }
      try {
        return sessionStorage.getItem(TOKEN_KEY) || "";
      } catch (error) {
        return "";
      }
    }

    function remember(token) {
      try {
        sessionStorage.setItem(TOKEN_KEY, token);
      } catch (error) {
        /* storage can be off: the token is asked again next time */
      }
    }

    // -- columns ------------------------------------------------------------------------

    function durationOption(seconds) {
      return el("option", { value: seconds, text: seconds ? formats.duration(seconds) : texts.off });
    }

    function column(lang, fallback) {
      if (columns.has(lang)) return columns.get(lang);
      const name = languages[lang] || lang;
      const slowSelect = el("select", { name: "slow" }, ...config.slow.map(durationOption));
      const heldList = el("ol", { class: "held-list" });
      const messages = el("ol", { class: "messages", "aria-label": texts.messages });
      const replying = el("p", { class: "replying", hidden: true }, el("span"));
      const textBox = el("textarea", {
        name: "text",
        rows: 2,
        dir: (config.directions || {})[lang] || "auto",
        maxlength: config.max_text,
        required: true,
        "aria-label": fill(texts.write_in, { language: name }),
        placeholder: fill(texts.write_in, { language: name }),
      });
      const formStatus = el("p", { class: "send-status", role: "status", dir: "auto" });
      const form = el(
        "form",
        { class: "send" },
        replying,
        el("div", { class: "row" }, textBox, el("button", { type: "submit", text: texts.send })),
        formStatus
      );
      const section = el(
        "section",
        { class: "column" + (fallback ? " covering" : ""), "data-lang": lang, lang: lang },
        el(
          "header",
          { class: "column-head" },
          el("h2", { id: "column-" + lang, text: name }),
          el(
            "p",
            { class: "column-meta" },
            el("span", { class: "label", text: texts.viewers }),
            " ",
            el("span", { class: "viewers", text: "–" }),
            " ",
            el("span", { class: "state" })
          ),
          el("label", { class: "slow" }, texts.slow_mode + " ", slowSelect)
        ),
        el("p", { class: "covering-note", text: texts.covering, hidden: !fallback }),
        el(
          "section",
          { class: "held" },
          el("h3", { text: texts.held }),
          el("p", { class: "held-empty", text: texts.held_empty }),
          heldList
        ),
        messages,
        form
      );
      section.setAttribute("aria-labelledby", "column-" + lang);
      const entry = {
        lang: lang,
        section: section,
        messages: messages,
        heldList: heldList,
        slowSelect: slowSelect,
        textBox: textBox,
        status: formStatus,
        replying: replying,
        replyTo: null,
      };
      columns.set(lang, entry);
      // Columns keep the show's language order.
      const after = order.slice(order.indexOf(lang) + 1).map((code) => columns.get(code)).find(Boolean);
      columnsBox.insertBefore(section, after ? after.section : null);
      setSlow(lang, slow[lang] || 0);

      slowSelect.addEventListener("change", () => {
        act(entry, { type: "slow", lang: lang, seconds: Number(slowSelect.value) });
      });
      replying.append(
        " ",
        el("button", { type: "button", class: "link", text: texts.cancel, onclick: () => stopReply(entry) })
      );
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        const text = textBox.value.trim();
        if (!text) return;
        const frame = { type: "chat", text: text, lang: lang };
        if (entry.replyTo !== null) frame.reply_to = entry.replyTo;
        if (act(entry, frame, texts.sending)) {
          textBox.value = "";
          stopReply(entry);
        }
      });
      textBox.addEventListener("keydown", (event) => {
        if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
          event.preventDefault();
          form.requestSubmit();
        }
      });
      updateHeld(entry);
      return entry;
    }

    function setSlow(lang, seconds) {
      slow[lang] = seconds;
      const entry = columns.get(lang);
      if (!entry) return;
      const select = entry.slowSelect;
      if (!Array.from(select.options).some((o) => Number(o.value) === seconds)) {
        select.append(durationOption(seconds));
      }
      select.value = String(seconds);
      entry.section.classList.toggle("slowed", seconds > 0);
    }

    function startReply(entry, frame) {
      entry.replyTo = frame.id;
      entry.replying.hidden = false;
      entry.replying.firstElementChild.replaceChildren(
        fillNodes(texts.replying_to, { name: (frame.user || {}).name || "" })
      );
      entry.textBox.focus();
    }

    function stopReply(entry) {
      entry.replyTo = null;
      entry.replying.hidden = true;
    }

    /** Send a moderator's frame; its answer (error, ack, done) lands in the column. */
    function act(entry, frame, pending) {
      const ref = relay.send(frame);
      if (ref === null) {
        say(entry.status, texts.not_connected, "error");
        return false;
      }
      pendingRefs.set(ref, entry);
      say(entry.status, pending || "", "");
      return true;
    }

    function columnFor(frame) {
      if (columns.has(frame.lang)) return columns.get(frame.lang);
      if (frame.fallback) return column(frame.lang, true);
      if (frame.broadcast && columns.size) return columns.values().next().value;
      return null;
    }

    // -- messages and the held queue ------------------------------------------------

    function messageActions(entry, frame) {
      const user = frame.user || {};
      const buttons = [
        el("button", { type: "button", class: "link", text: texts.reply, onclick: () => startReply(entry, frame) }),
        el("button", {
          type: "button",
          class: "link danger",
          text: texts.delete,
          onclick: () => act(entry, { type: "delete", id: frame.id }),
        }),
      ];
      if ((user.role || "viewer") === "viewer" && user.id) {
        buttons.push(
          el("button", {
            type: "button",
            class: "link",
            text: texts.timeout,
            onclick: () =>
              act(entry, { type: "timeout", user: user.id, seconds: Number(timeoutSelect.value) }),
          }),
          banButton(entry, user.id)
        );
      }
      if (!frame.broadcast && order.length > 1) buttons.push(moveMenu(entry, frame));
      return buttons;
    }

    /** One action: choosing a language moves the message to that language channel. */
    function moveMenu(entry, frame) {
      const options = order
        .filter((code) => code !== frame.lang)
        .map((code) => el("option", { value: code, text: languages[code] || code }));
      const menu = el(
        "select",
        { class: "move", "aria-label": texts.move_to },
        el("option", { value: "", text: texts.move_to }),
        ...options
      );
      menu.addEventListener("change", () => {
        if (!menu.value) return;
        act(entry, { type: "move", id: frame.id, lang: menu.value });
        menu.value = "";
      });
      return menu;
    }

    /** What moderators see of a message's language: its script, and an unsure flag. */
    function languageBadges(item, frame) {
      const meta = item.querySelector(".meta");
      if (frame.script) {
        const name = texts.scripts[frame.script] || frame.script;
        meta.append(" ", el("span", { class: "badge script", "data-script": frame.script, title: texts.script, text: name }));
      }
      if (frame.lang_unsure) {
        item.classList.add("lang-unsure");
        meta.append(" ", el("span", { class: "badge unsure", text: texts.unsure }));
      }
    }

    function banButton(entry, userId) {
      // Two clicks: a ban closes the viewer's connection and keeps them out.
      let armed = null;
      const button = el("button", { type: "button", class: "link danger", text: texts.ban });
      button.addEventListener("click", () => {
        if (armed === null) {
          button.textContent = texts.confirm_ban;
          button.classList.add("armed");
          armed = setTimeout(() => {
            armed = null;
            button.textContent = texts.ban;
            button.classList.remove("armed");
          }, 5000);
          return;
        }
        clearTimeout(armed);
        armed = null;
        button.textContent = texts.ban;
        button.classList.remove("armed");
        act(entry, { type: "ban", user: userId });
      });
      return button;
    }

    function addMessage(frame) {
      if (items.has(frame.id)) return;
      const entry = columnFor(frame);
      if (!entry) return;
      frames.set(frame.id, frame);
      const user = frame.user || {};
      if (user.id) names.set(user.id, user.name);
      const item = renderMessage(frame, {
        texts: texts,
        formats: formats,
        languages: languages,
        directions: config.directions,
        you: you && you.id,
        find: (id) => frames.get(id),
        actions: (shown) => messageActions(entry, shown),
      });
      languageBadges(item, frame);
      items.set(frame.id, item);
      appendScrolled(entry.messages, item, LIMIT);
    }

    function addHeld(frame) {
      const entry = columnFor(frame);
      if (!entry || entry.heldList.querySelector(`li[data-id="${Number(frame.id)}"]`)) return;
      const user = frame.user || {};
      if (user.id) names.set(user.id, user.name);
      const item = renderMessage(frame, {
        texts: texts,
        formats: formats,
        languages: languages,
        directions: config.directions,
        you: you && you.id,
        find: (id) => frames.get(id),
        actions: () => [
          el("button", {
            type: "button",
            class: "approve",
            text: texts.approve,
            onclick: () => act(entry, { type: "approve", id: frame.id }),
          }),
          el("button", {
            type: "button",
            class: "reject",
            text: texts.reject,
            onclick: () => act(entry, { type: "reject", id: frame.id }),
          }),
        ],
      });
      languageBadges(item, frame);
      const reasons = (frame.reasons || []).map((reason) => texts.reasons[reason] || reason);
      if (reasons.length) {
        item.querySelector(".meta").after(el("p", { class: "reasons", text: reasons.join(" · ") }));
      }
      // In order of held id: an older page goes before what is shown.
      const later = Array.from(entry.heldList.children).find(
        (node) => Number(node.dataset.id) > Number(frame.id)
      );
      entry.heldList.insertBefore(item, later || null);
      updateHeld(entry);
    }

    function showHeldPage() {
      heldBar.hidden = heldPage.total === 0;
      heldBar.querySelector(".count").textContent = fill(texts.held_total, {
        count: formats.number(heldPage.total),
      });
      heldOlder.hidden = !heldPage.more;
    }

    function onHeldPage(frame) {
      for (const item of frame.items || []) addHeld(item);
      heldPage.total = frame.total || 0;
      heldPage.more = Boolean(frame.more);
      if (frame.oldest !== null && frame.oldest !== undefined) heldPage.oldest = frame.oldest;
      showHeldPage();
    }

    heldOlder.addEventListener("click", () => {
      if (heldPage.oldest !== null) relay.send({ type: "held_page", before: heldPage.oldest });
    });

    function resolveHeld(id) {
      for (const entry of columns.values()) {
        const item = entry.heldList.querySelector(`li[data-id="${Number(id)}"]`);
        if (item) {
          item.remove();
          updateHeld(entry);
        }
      }
    }

    function updateHeld(entry) {
      const count = entry.heldList.children.length;
      entry.section.classList.toggle("has-held", count > 0);
      entry.section.querySelector(".held-empty").hidden = count > 0;
    }

    // -- coverage and presence ------------------------------------------------------

    function setCovered(lang, covered) {
      const row = coverage.querySelector(`li[data-lang="${CSS.escape(lang)}"]`);
      const label = covered ? texts.covered : texts.uncovered;
      if (row) {
        row.classList.remove("unknown", "covered", "uncovered");
        row.classList.add(covered ? "covered" : "uncovered");
        row.querySelector(".state").textContent = label;
      }
      const entry = columns.get(lang);
      if (entry) {
        const state = entry.section.querySelector(".column-meta .state");
        state.textContent = label;
        state.className = "state " + (covered ? "covered" : "uncovered");
      }
    }

    function presence(frame) {
      const uncovered = new Set(frame.uncovered || []);
      for (const lang of order) {
        const row = coverage.querySelector(`li[data-lang="${CSS.escape(lang)}"]`);
        const viewers = (frame.viewers || {})[lang] || 0;
        if (row) {
          row.querySelector(".viewers").textContent = formats.number(viewers);
          row.querySelector(".moderators").textContent = formats.number((frame.moderators || {})[lang] || 0);
        }
        const entry = columns.get(lang);
        if (entry) entry.section.querySelector(".column-meta .viewers").textContent = formats.number(viewers);
        setCovered(lang, !uncovered.has(lang));
      }
    }

    // -- the moderation log -----------------------------------------------------------

    function logEvent(frame) {
      // People by the names they go by; their ids on hover (title) and in data-user.
      const actor = frame.by || {};
      const by = el("bdi", { class: "by", title: actor.id, text: actor.name || actor.id || "" });
      const target = frame.target || {};
      const userName = target.name || (frame.user && names.get(frame.user)) || frame.user || "";
      const user = el("bdi", { class: "target", title: frame.user, "data-user": frame.user, text: userName });
      let template = texts.log[frame.action];
      const params = { by: by, user: user, language: languages[frame.lang] || frame.lang || "" };
      if (frame.action === "slow") {
        if (frame.lang) setSlow(frame.lang, frame.seconds || 0);
        if (!frame.seconds) template = texts.log.slow_off;
      }
      if (frame.seconds) params.duration = formats.duration(frame.seconds);
      if (!template) return;
      const item = el(
        "li",
        { "data-action": frame.action },
        el("time", { datetime: new Date().toISOString(), text: formats.when(new Date().toISOString()) }),
        " ",
        el("span", {}, fillNodes(template, params))
      );
      if (frame.action === "ban" && frame.user) {
        const target = frame.user;
        item.append(
          " ",
          el("button", {
            type: "button",
            class: "link",
            text: texts.unban,
            onclick: () => {
              const entry = columns.values().next().value;
              if (entry) act(entry, { type: "unban", user: target });
            },
          })
        );
      }
      log.prepend(item);
      while (log.children.length > 200) log.lastElementChild.remove();
    }

    // -- frames ---------------------------------------------------------------------------

    function hello(frame) {
      you = frame.you;
      slow = { ...(frame.slow || {}) };
      const moderates = (frame.moderates || []).slice().sort((a, b) => order.indexOf(a) - order.indexOf(b));
      for (const lang of moderates) column(lang, false);
      // The room sends the whole held queue after hello: what was decided meanwhile goes.
      for (const entry of columns.values()) {
        entry.heldList.replaceChildren();
        updateHeld(entry);
      }
      Object.assign(heldPage, { total: 0, oldest: null, more: false });
      showHeldPage();
      for (const [lang, seconds] of Object.entries(slow)) setSlow(lang, seconds);
      root.classList.toggle("no-columns", moderates.length === 0);
      if (!moderates.length) {
        say(status, texts.moderates_none, "error");
        return;
      }
      const list = moderates.map((lang) => languages[lang] || lang).join(", ");
      say(status, fill(texts.moderates, { name: you.name, languages: list }), "open");
    }

    function onFrame(frame) {
      const entry = frame.ref ? pendingRefs.get(frame.ref) : undefined;
      if (frame.ref) pendingRefs.delete(frame.ref);
      switch (frame.type) {
        case "hello":
          hello(frame);
          break;
        case "chat":
          addMessage(frame);
          break;
        case "held":
          addHeld(frame);
          heldPage.total += 1;
          showHeldPage();
          break;
        case "held_page":
          onHeldPage(frame);
          break;
        case "resolved":
          resolveHeld(frame.id);
          heldPage.total = Math.max(0, heldPage.total - 1);
          showHeldPage();
          break;
        case "deleted": {
          const item = items.get(frame.id);
          if (item) item.remove();
          items.delete(frame.id);
          break;
        }
        case "moved": {
          // Out of its old column; into the new one when this desk moderates it.
          const shown = frames.get(frame.id);
          const item = items.get(frame.id);
          if (item) item.remove();
          items.delete(frame.id);
          if (shown) addMessage({ ...shown, lang: frame.lang, lang_unsure: false, fallback: false });
          break;
        }
        case "ack":
          if (entry) say(entry.status, texts.sent, "ok");
          break;
        case "mod":
          if (entry) say(entry.status, texts.done, "ok");
          logEvent(frame);
          break;
        case "error":
          if (entry) say(entry.status, frame.message, "error");
          else notice(frame.message);
          break;
        case "notice":
          if (frame.code === "uncovered" || frame.code === "covered") {
            setCovered(frame.language, frame.code === "covered");
          } else if ((frame.code === "slow_mode" || frame.code === "slow_mode_off") && frame.lang) {
            setSlow(frame.lang, frame.seconds || 0);
          }
          notice(frame.message);
          break;
        case "presence":
          presence(frame);
          break;
        default:
          break;
      }
    }

    let failures = 0;

    async function explain() {
      // The browser hides why a websocket was refused; the same address over plain
      // HTTP answers with the reason (a bad token: 401), in the reader's language.
      try {
        const response = await fetch(config.socket + "?locale=" + encodeURIComponent(config.locale), {
          headers: { Authorization: "Bearer " + tokenBox.value.trim() },
          credentials: "same-origin",
        });
        if (response.status === 401 || response.status === 404) {
          const body = await response.json();
          relay.stop();
          say(status, (body.error || {}).message || texts.ended, "error");
          root.dataset.state = "refused";
        }
      } catch (error) {
        /* offline: keep trying */
      }
    }

    function onState(state, detail) {
      root.dataset.state = state;
      if (state === "connecting") {
        if (!relay.everGreeted) say(status, texts.connecting, "");
      } else if (state === "open") {
        failures = 0;
        if (detail.resumed && !detail.recovered) notice(texts.gap);
      } else if (state === "lost") {
        say(status, texts.reconnecting, "lost");
        if (!detail.greeted) {
          failures += 1;
          if (failures === 1 || failures % 5 === 0) explain();
        }
      } else if (state === "ended") {
        say(status, texts.ended, "error");
      }
    }

    const relay = new Relay(config, {
      params: () => {
        const params = new URLSearchParams();
        params.set("token", tokenBox.value.trim());
        params.set("locale", config.locale);
        return params;
      },
      onFrame: onFrame,
      onState: onState,
    });

    tokenForm.addEventListener("submit", (event) => {
      event.preventDefault();
      const token = tokenBox.value.trim();
      if (!token) return;
      remember(token);
      failures = 0;
      for (const entry of columns.values()) entry.section.remove();
      columns.clear();
      items.clear();
      relay.lastId = typeof config.since === "number" ? config.since : null;
      relay.everGreeted = false;
      relay.restart();
    });

    const token = initialToken();
    if (token) {
      tokenBox.value = token;
      relay.connect();
    } else {
      say(status, texts.token_needed, "");
      tokenBox.focus();
    }
    window.LiveChat.page = { relay: relay };
  }

  document.addEventListener("DOMContentLoaded", () => {
    const root = document.getElementById("moderate");
    if (root) moderatorPage(root);
  });
})();
