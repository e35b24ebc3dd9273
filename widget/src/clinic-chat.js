/**
 * Clinic chat widget: one script tag, talks to Rasa's socketio channel.
 *
 *   <script src="…/clinic-chat.js" data-server-url="http://localhost:5005"
 *           data-clinic-name="…" data-primary-color="#0b5cad" data-language="en" defer></script>
 *
 * The conversation belongs to the browser tab: the Rasa session id and the
 * transcript live in sessionStorage (never localStorage), so a shared clinic
 * PC does not show the previous patient's chat. All text is rendered with
 * text nodes (see markup.js), never innerHTML.
 */
import { io } from "socket.io-client";
import { emergencyCall } from "./emergency.js";
import { translator } from "./i18n.js";
import { renderInto } from "./markup.js";
import { el, readableOn, readConfig, tabStorage } from "./page.js";

const MAX_STORED_MESSAGES = 200;
const MAX_MESSAGE_LENGTH = 1000;
const TYPING_TIMEOUT_MS = 20000;

class ClinicChat {
  constructor(config) {
    this.config = config;
    this.t = translator(config.language);
    this.storage = tabStorage();
    const keyBase = `clinic-chat:${config.serverUrl}`;
    this.keys = {
      session: `${keyBase}:session`,
      token: `${keyBase}:token`,
      transcript: `${keyBase}:transcript`,
      open: `${keyBase}:open`,
    };
    this.sessionId = this.storage.get(this.keys.session);
    // The server's proof that it gave this tab its conversation (channels/socketio.py).
    this.sessionToken = this.storage.get(this.keys.token);
    this.transcript = this.loadTranscript();
    this.outbox = [];
    this.confirmed = false;
    this.everConnected = false;
    this.socket = null;
    this.typingTimer = null;
  }

  loadTranscript() {
    try {
      const parsed = JSON.parse(this.storage.get(this.keys.transcript) || "[]");
      return Array.isArray(parsed) ? parsed : [];
    } catch {
      return [];
    }
  }

  saveTranscript() {
    this.transcript = this.transcript.slice(-MAX_STORED_MESSAGES);
    this.storage.set(this.keys.transcript, JSON.stringify(this.transcript));
  }

  /** Builds the widget inside a shadow root so the host page's CSS cannot leak in. */
  mount() {
    const { t, config } = this;
    const host = document.createElement("div");
    host.id = "clinic-chat";
    host.style.setProperty("--cc-primary", config.primaryColor);
    host.style.setProperty("--cc-on-primary", readableOn(config.primaryColor));
    const shadow = host.attachShadow({ mode: "open" });
    const doc = document;
    this.host = host;

    const root = el(doc, "div", { class: "cc-root", lang: config.language, hidden: true, "data-state": "idle" });
    const stylesheet = el(doc, "link", { rel: "stylesheet", href: config.stylesheet });
    const reveal = () => root.removeAttribute("hidden");
    stylesheet.addEventListener("load", reveal);
    stylesheet.addEventListener("error", reveal);

    this.launcher = el(doc, "button", {
      type: "button",
      class: "cc-launcher",
      "aria-expanded": "false",
      "aria-controls": "cc-panel",
    });
    this.launcher.append(el(doc, "span", { class: "cc-launcher-icon", "aria-hidden": "true" }, "💬"));
    this.launcher.append(el(doc, "span", { class: "cc-launcher-text" }, t("launcher", { clinic: config.clinicName })));

    const panel = el(doc, "section", {
      class: "cc-panel",
      id: "cc-panel",
      role: "dialog",
      "aria-modal": "false",
      "aria-labelledby": "cc-title",
      "aria-describedby": "cc-disclaimer",
      hidden: true,
    });
    this.panel = panel;

    const header = el(doc, "header", { class: "cc-header" });
    const titles = el(doc, "div", { class: "cc-titles" });
    titles.append(el(doc, "h2", { id: "cc-title", class: "cc-title" }, t("title", { clinic: config.clinicName })));
    titles.append(el(doc, "p", { class: "cc-subtitle" }, t("subtitle")));
    this.restartButton = el(doc, "button", { type: "button", class: "cc-restart", "aria-label": t("restartLabel") }, t("restart"));
    this.closeButton = el(doc, "button", { type: "button", class: "cc-close", "aria-label": t("close") }, "×");
    header.append(titles, this.restartButton, this.closeButton);

    const disclaimer = el(doc, "p", { id: "cc-disclaimer", class: "cc-disclaimer" }, `${t("disclaimer")} `);
    const number = config.emergencyNumber && emergencyCall({ emergency_number: config.emergencyNumber });
    if (number) {
      const [before, after] = t("disclaimerEmergency", { number: "\u0000" }).split("\u0000");
      const link = el(doc, "a", { href: number.href }, number.number);
      disclaimer.append(before, link, after);
    } else {
      disclaimer.append(t("disclaimerEmergencyGeneric"));
    }

    this.banner = el(doc, "div", { class: "cc-emergency", role: "alert", hidden: true });

    // Always in the DOM (live regions must exist before they change); empty means invisible.
    this.status = el(doc, "p", { class: "cc-status", role: "status" });

    // The live region scrolls; the messages inside it are a list. (A role on the list
    // itself would take its list semantics away from the messages.)
    this.log = el(doc, "div", {
      class: "cc-log",
      role: "log",
      "aria-live": "polite",
      "aria-relevant": "additions",
      "aria-label": t("conversation"),
      tabindex: "0",
    });
    this.messages = el(doc, "ol", { class: "cc-messages" });
    this.log.append(this.messages);

    this.typing = el(doc, "div", { class: "cc-typing", hidden: true });
    this.typing.append(el(doc, "span", { class: "cc-sr" }, t("typing")));
    const dots = el(doc, "span", { class: "cc-dots", "aria-hidden": "true" });
    dots.append(el(doc, "span"), el(doc, "span"), el(doc, "span"));
    this.typing.append(dots);

    this.form = el(doc, "form", { class: "cc-form" });
    const label = el(doc, "label", { for: "cc-input", class: "cc-sr" }, t("inputLabel"));
    this.input = el(doc, "input", {
      id: "cc-input",
      class: "cc-input",
      type: "text",
      autocomplete: "off",
      maxlength: String(MAX_MESSAGE_LENGTH),
      placeholder: t("placeholder"),
      enterkeyhint: "send",
    });
    this.sendButton = el(doc, "button", { type: "submit", class: "cc-send" }, t("send"));
    this.form.append(label, this.input, this.sendButton);

    panel.append(header, disclaimer, this.banner, this.status, this.log, this.typing, this.form);
    root.append(this.launcher, panel);
    shadow.append(stylesheet, root);
    this.root = root;
    document.body.appendChild(host);

    this.launcher.addEventListener("click", () => (this.isOpen() ? this.close() : this.open()));
    this.closeButton.addEventListener("click", () => this.close());
    this.restartButton.addEventListener("click", () => this.restart());
    panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.preventDefault();
        this.close();
      }
    });
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = this.input.value.trim();
      if (!text) return;
      this.input.value = "";
      this.sendUser(text, text);
    });

    this.transcript.forEach((entry, index) => this.renderEntry(entry, index === this.transcript.length - 1));
    if (this.storage.get(this.keys.open) === "1") this.open({ focus: false });
  }

  isOpen() {
    return !this.panel.hidden;
  }

  open({ focus = true } = {}) {
    this.panel.hidden = false;
    this.launcher.setAttribute("aria-expanded", "true");
    this.root.classList.add("cc-is-open");
    this.storage.set(this.keys.open, "1");
    this.connect();
    this.scrollToEnd();
    if (focus) this.input.focus();
  }

  close() {
    this.panel.hidden = true;
    this.launcher.setAttribute("aria-expanded", "false");
    this.root.classList.remove("cc-is-open");
    this.storage.set(this.keys.open, "0");
    this.launcher.focus();
  }

  setState(state) {
    this.root.setAttribute("data-state", state);
    const messages = { connecting: "connecting", reconnecting: "reconnecting", error: "unreachable" };
    this.status.textContent = messages[state] ? this.t(messages[state]) : "";
  }

  /** Opens the socket once; socket.io reconnects by itself after that. */
  connect() {
    if (this.socket) return;
    this.setState("connecting");
    const socket = io(this.config.serverUrl, {
      path: this.config.socketPath,
      // WebSocket only: the Origin check then happens on the handshake itself,
      // and no long-polling fallback depends on CORS headers.
      transports: ["websocket"],
      reconnection: true,
      reconnectionDelay: 500,
      reconnectionDelayMax: 3000,
      timeout: 10000,
    });
    this.socket = socket;
    socket.on("connect", () => {
      this.confirmed = false;
      socket.emit("session_request", { session_id: this.sessionId, token: this.sessionToken });
    });
    socket.on("session_confirm", (sessionId) => this.onSessionConfirm(sessionId));
    socket.on("bot_uttered", (message) => this.onBotMessage(message));
    socket.on("disconnect", () => {
      this.confirmed = false;
      this.setState("reconnecting");
    });
    socket.on("connect_error", () => {
      this.confirmed = false;
      this.setState(this.everConnected ? "reconnecting" : "error");
    });
  }

  onSessionConfirm(sessionId) {
    const id = typeof sessionId === "string" ? sessionId : sessionId && sessionId.session_id;
    if (!id) return;
    const isNew = this.sessionId !== id;
    this.sessionId = id;
    this.storage.set(this.keys.session, id);
    const token = sessionId && typeof sessionId === "object" ? sessionId.token : null;
    if (typeof token === "string") {
      this.sessionToken = token;
      this.storage.set(this.keys.token, token);
    }
    this.confirmed = true;
    this.everConnected = true;
    this.setState("connected");
    if (isNew && this.transcript.length === 0 && this.outbox.length === 0 && this.config.initPayload) {
      this.emitUser(this.config.initPayload);
    }
    const pending = this.outbox;
    this.outbox = [];
    pending.forEach((message) => this.emitUser(message));
  }

  emitUser(message) {
    if (!this.socket || !this.confirmed) {
      this.outbox.push(message);
      return;
    }
    this.socket.emit("user_uttered", { message, session_id: this.sessionId });
  }

  /** Shows `shown` as the person's message and sends `payload` to the assistant. */
  sendUser(shown, payload) {
    this.clearQuickReplies();
    this.addEntry({ from: "user", text: shown.slice(0, MAX_MESSAGE_LENGTH), time: Date.now() });
    this.emitUser(payload.slice(0, MAX_MESSAGE_LENGTH));
    this.showTyping();
  }

  onBotMessage(raw) {
    if (!raw || typeof raw !== "object") return;
    const message = raw;
    const text = typeof message.text === "string" ? message.text : "";
    const replies = (Array.isArray(message.quick_replies) ? message.quick_replies : Array.isArray(message.buttons) ? message.buttons : [])
      .filter((reply) => reply && typeof reply.title === "string" && typeof reply.payload === "string")
      .map((reply) => ({ title: reply.title, payload: reply.payload }));
    const call = emergencyCall(message);
    const customText = !text && message.custom && typeof message.custom.text === "string" ? message.custom.text : "";
    if (!text && !customText && replies.length === 0) {
      // A signal without words (the emergency after its reply): the banner, and the
      // reply it follows remembers it for a reload.
      if (!call) return;
      const reply = [...this.transcript].reverse().find((entry) => entry.from === "bot");
      if (reply) {
        reply.emergency = call;
        this.saveTranscript();
      }
      this.showEmergency(call);
      return;
    }
    this.hideTyping();
    if (this.root.getAttribute("data-state") === "connected") this.status.textContent = "";
    if (replies.length) this.clearQuickReplies();
    this.addEntry({ from: "bot", text: text || customText, time: Date.now(), replies, emergency: call });
  }

  addEntry(entry) {
    this.transcript.push(entry);
    this.saveTranscript();
    this.renderEntry(entry, true);
  }

  renderEntry(entry, isLatest) {
    const doc = document;
    const item = el(doc, "li", { class: `cc-msg cc-msg--${entry.from === "user" ? "user" : "bot"}` });
    item.append(el(doc, "span", { class: "cc-sr" }, this.t(entry.from === "user" ? "userSaid" : "botSaid")));
    const bubble = el(doc, "div", { class: "cc-bubble" });
    if (entry.from === "user") bubble.textContent = entry.text;
    else renderInto(bubble, entry.text || "");
    item.append(bubble);
    const when = new Date(entry.time || Date.now());
    item.append(el(doc, "time", { class: "cc-time", datetime: when.toISOString() }, this.clockTime(when)));
    if (entry.from === "bot" && isLatest && entry.replies && entry.replies.length) {
      item.append(this.renderQuickReplies(entry.replies));
    }
    this.messages.append(item);
    if (entry.emergency) this.showEmergency(entry.emergency);
    this.scrollToEnd();
  }

  /** "14:02" / "2:02 PM" in the widget's language (the browser's if that is not a valid tag). */
  clockTime(when) {
    const options = { hour: "2-digit", minute: "2-digit" };
    try {
      return when.toLocaleTimeString(this.config.language, options);
    } catch {
      return when.toLocaleTimeString(undefined, options);
    }
  }

  renderQuickReplies(replies) {
    const group = el(document, "div", { class: "cc-replies", role: "group", "aria-label": this.t("suggestions") });
    for (const reply of replies) {
      const button = el(document, "button", { type: "button", class: "cc-reply", "data-payload": reply.payload }, reply.title);
      button.addEventListener("click", () => {
        this.sendUser(reply.title, reply.payload);
        this.input.focus();
      });
      group.append(button);
    }
    return group;
  }

  clearQuickReplies() {
    this.log.querySelectorAll(".cc-replies").forEach((group) => group.remove());
  }

  showEmergency(call) {
    const doc = document;
    this.banner.replaceChildren();
    this.banner.append(el(doc, "strong", { class: "cc-emergency-heading" }, this.t("emergencyHeading")));
    if (call.href) {
      this.banner.append(el(doc, "a", { class: "cc-emergency-call", href: call.href }, this.t("emergencyCall", { number: call.number })));
    } else {
      const words = call.number ? this.t("emergencyCall", { number: call.number }) : this.t("emergencyCallLocal");
      this.banner.append(el(doc, "span", { class: "cc-emergency-call" }, words));
    }
    this.banner.hidden = false;
  }

  showTyping() {
    this.typing.hidden = false;
    clearTimeout(this.typingTimer);
    this.typingTimer = setTimeout(() => this.hideTyping(), TYPING_TIMEOUT_MS);
    this.scrollToEnd();
  }

  hideTyping() {
    clearTimeout(this.typingTimer);
    this.typing.hidden = true;
  }

  /** Sends /restart, and forgets this tab's transcript (the session id stays). */
  restart() {
    this.transcript = [];
    this.saveTranscript();
    this.messages.replaceChildren();
    this.banner.hidden = true;
    this.banner.replaceChildren();
    this.hideTyping();
    this.status.textContent = this.t("cleared");
    this.connect();
    this.emitUser("/restart");
    if (this.config.initPayload) this.emitUser(this.config.initPayload);
    this.input.focus();
  }

  scrollToEnd() {
    this.log.scrollTop = this.log.scrollHeight;
  }
}

/** The script tag that loaded the widget. */
function ownScript() {
  return document.currentScript || document.querySelector("script[data-server-url][src*='clinic-chat']");
}

function start(script) {
  if (window.__clinicChat) return;
  const config = readConfig(script);
  const chat = new ClinicChat(config);
  window.__clinicChat = true;
  chat.mount();
}

const script = ownScript();
if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", () => start(script));
} else {
  start(script);
}
