// Browser tests of the chat widget against the real assistant.
//
// Starts the action server, Rasa (socketio channel from channels/socketio.py, SQLite tracker
// store, all in a temp dir, on the widget's own ports) and the static servers, then drives
// headless Debian Chromium with playwright-core. Screenshots go to docs/screenshots/.
// axe-core (widget/node_modules, a pinned devDependency) checks every state a person sees
// against WCAG 2.2 AA, inside the widget's shadow root.
//
//   node widget/tests/e2e.mjs            (needs models/hamstring.tar.gz and widget/dist/)
//
// Ports (env): WIDGET_TEST_RASA_PORT 5305, WIDGET_TEST_ACTIONS_PORT 5355,
// WIDGET_TEST_WEB_PORT 5380 (+1: blank page with the README snippet, +2: an origin that
// is not allowed). CHROMIUM=/usr/bin/chromium. WIDGET_TEST_ONLY=<regex> runs only the
// tests whose names match.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { emergencyCall } from "../src/emergency.js";
import { tokenize } from "../src/markup.js";
import { assistantTexts, normalise, prefixOf, startsWithAny } from "./lib/assistant.mjs";
import {
  assertAccessible,
  assertClean,
  axeViolations,
  Browser,
  botMessages,
  clickReply,
  embedSnippet,
  emergencyBanner,
  finish,
  openChat,
  openRefused,
  say,
  sessionId,
  transcriptText,
  waitForReplies,
  waitForState,
} from "./lib/chat.mjs";
import { run, test } from "./lib/runner.mjs";
import { httpGet, PYTHON as PY, REPO, sleep, Supervisor, WIDGET } from "./lib/servers.mjs";

const env = process.env;
const PORTS = {
  rasa: Number(env.WIDGET_TEST_RASA_PORT || 5305),
  actions: Number(env.WIDGET_TEST_ACTIONS_PORT || 5355),
  web: Number(env.WIDGET_TEST_WEB_PORT || 5380),
};
PORTS.blank = PORTS.web + 1;
PORTS.denied = PORTS.web + 2;
const MODEL = resolve(REPO, env.MODEL || "models/hamstring.tar.gz");
const SCREENSHOTS = resolve(REPO, "docs/screenshots");
const STARTUP_TIMEOUT_MS = Number(env.WIDGET_TEST_STARTUP_TIMEOUT || 600) * 1000;
const CLINIC = {
  CLINIC_NAME: "Riverside Sports Clinic",
  CLINIC_PHONE: "555-0100",
  CLINIC_BOOKING_URL: "https://clinic.example/book",
  EMERGENCY_NUMBER: "112",
};
const TOKEN = `widget-test-${process.pid}`;
const RASA_URL = `http://127.0.0.1:${PORTS.rasa}`;
const WEB_URL = `http://127.0.0.1:${PORTS.web}`;

const work = mkdtempSync(join(tmpdir(), "clinic-chat-e2e-"));
let supervisor = null;
let browser = null;

// The assistant's own texts, read from the domain (never copied into the test).
const {
  responses,
  remedyPrefixes: REMEDY_PREFIXES,
  screeningPrefixes: SCREENING_PREFIXES,
  isEmergencyReply,
  asksOrAdvises,
} = assistantTexts({ python: PY, repo: REPO, emergencyNumber: CLINIC.EMERGENCY_NUMBER });

// ---------------------------------------------------------------------------
// Widget helpers of these tests (the shared ones are in lib/chat.mjs).

const newPage = ({ width, height, url = `${WEB_URL}/` } = {}) => browser.open(url, { width, height });
const closePage = (page) => browser.close(page);

async function screenshot(page, name) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await sleep(300); // let the typing dots and scrolling settle
  await page.screenshot({ path: join(SCREENSHOTS, name) });
}

async function noHorizontalScroll(page) {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
  }));
  assert.ok(scrollWidth <= innerWidth, `page scrolls sideways: ${scrollWidth} > ${innerWidth}`);
}

function requireServers() {
  if (!browser || !supervisor || !supervisor.alive("rasa")) {
    throw Object.assign(new Error("not run: the servers are not running (see the start-up test)"), { brief: true });
  }
}

// ---------------------------------------------------------------------------
// Servers.

/** A static server of widget/server.py (the demo page, a blank page, a denied origin). */
function staticCommand(port, root) {
  return [PY, join(WIDGET, "server.py"), "--port", String(port), "--root", root, "--rasa-url", RASA_URL];
}

/** The embed snippet from widget/README.md, pointed at the test servers. */
function readmeSnippet() {
  return embedSnippet("embed-snippet").replaceAll("http://localhost:8000", WEB_URL).replaceAll("http://localhost:5005", RASA_URL);
}

async function startServers() {
  assert.ok(existsSync(MODEL), `${MODEL} is missing: train the model first (make train)`);
  assert.ok(existsSync(join(WIDGET, "dist", "clinic-chat.js")), "widget/dist/clinic-chat.js is missing: make widget");
  writeFileSync(
    join(work, "credentials.yml"),
    [
      "channels.socketio.ClinicSocketIOInput:",
      "  user_message_evt: user_uttered",
      "  bot_message_evt: bot_uttered",
      "  session_persistence: true",
      "",
    ].join("\n"),
  );
  writeFileSync(
    join(work, "endpoints.yml"),
    [
      "action_endpoint:",
      `  url: "http://127.0.0.1:${PORTS.actions}/webhook"`,
      "  token: ${ACTION_SERVER_TOKEN}",
      "tracker_store:",
      "  type: SQL",
      '  dialect: "sqlite"',
      `  db: "${join(work, "tracker.db")}"`,
      "",
    ].join("\n"),
  );
  const blankRoot = join(work, "blank");
  mkdirSync(blankRoot);
  writeFileSync(
    join(blankRoot, "index.html"),
    `<!doctype html>\n<html lang="en">\n<head><meta charset="utf-8"><title>Blank page</title></head>\n<body>\n${readmeSnippet()}\n</body>\n</html>\n`,
  );

  supervisor = new Supervisor({ python: PY, repo: REPO, logDir: work });
  await supervisor.startAssistant({
    model: MODEL,
    rasaPort: PORTS.rasa,
    actionsPort: PORTS.actions,
    token: TOKEN,
    credentials: join(work, "credentials.yml"),
    endpoints: join(work, "endpoints.yml"),
    env: {
      ...CLINIC,
      WIDGET_ALLOWED_ORIGINS: `${WEB_URL},http://127.0.0.1:${PORTS.blank}`,
      // Signs the tabs' conversation tokens; the same after the restart test's restart.
      WIDGET_SESSION_SECRET: `widget-test-secret-${process.pid}`,
    },
    timeoutS: STARTUP_TIMEOUT_MS / 1000,
  });
  await supervisor.spawn("web", staticCommand(PORTS.web, join(WIDGET, "demo")), { waitUrl: `${WEB_URL}/` });
  for (const name of ["blank", "denied"]) {
    await supervisor.spawn(name, staticCommand(PORTS[name], blankRoot), { waitUrl: `http://127.0.0.1:${PORTS[name]}/` });
  }
  browser = await Browser.launch(work);
}

// ---------------------------------------------------------------------------
// Unit tests of the pure parts (no servers).

test("markup: only https and tel: links become links; everything else stays text", () => {
  assert.deepEqual(tokenize("<img src=x onerror=alert(1)>"), [{ type: "text", text: "<img src=x onerror=alert(1)>" }]);
  assert.deepEqual(tokenize("[x](javascript:alert(1))"), [{ type: "text", text: "[x](javascript:alert(1))" }]);
  assert.deepEqual(tokenize("[x](http://plain.example)"), [{ type: "text", text: "[x](http://plain.example)" }]);
  assert.deepEqual(tokenize("[x](data:text/html,hi)"), [{ type: "text", text: "[x](data:text/html,hi)" }]);
  assert.deepEqual(tokenize("Call [112](tel:112) or **see** [us](https://clinic.example/a?b=1)."), [
    { type: "text", text: "Call " },
    { type: "link", text: "112", href: "tel:112" },
    { type: "text", text: " or " },
    { type: "strong", text: "see" },
    { type: "text", text: " " },
    { type: "link", text: "us", href: "https://clinic.example/a?b=1" },
    { type: "text", text: "." },
  ]);
  assert.deepEqual(tokenize("Book online: https://clinic.example/book."), [
    { type: "text", text: "Book online: " },
    { type: "link", text: "https://clinic.example/book", href: "https://clinic.example/book" },
    { type: "text", text: "." },
  ]);
  assert.deepEqual(tokenize("[x](tel:112;phone-context=evil)"), [{ type: "text", text: "[x](tel:112;phone-context=evil)" }]);
});

test("emergency: the channel's triage signal is an emergency, with or without a dialable number", () => {
  assert.deepEqual(emergencyCall({ triage_level: "emergency", emergency_number: "112" }), { number: "112", href: "tel:112" });
  assert.deepEqual(emergencyCall({ triage_level: "emergency", emergency_number: "+44 (0)20 999" }), {
    number: "+44 (0)20 999",
    href: "tel:+44020999",
  });
  // The default EMERGENCY_NUMBER is words: still an emergency, shown without a link.
  assert.deepEqual(emergencyCall({ triage_level: "emergency", emergency_number: "your local emergency number" }), {
    number: "your local emergency number",
    href: null,
  });
  assert.deepEqual(emergencyCall({ triage_level: "emergency" }), { number: "", href: null });
  assert.deepEqual(emergencyCall({ custom: { emergency_number: "+44 999" } }), { number: "+44 999", href: "tel:+44999" });
  assert.equal(emergencyCall({ triage_level: "urgent", emergency_number: "112" }), null);
  assert.equal(emergencyCall({ custom: { emergency_number: "none" } }), null);
});

test("emergency: the words of a reply never raise the banner", () => {
  assert.equal(emergencyCall({ text: "Call 112 now. What you describe…" }), null);
  assert.equal(emergencyCall({ text: "Please get medical care today … call 112 straight away." }), null);
});

// ---------------------------------------------------------------------------
// Browser tests against the real servers.

test("the action server, Rasa and the static servers start", startServers, { timeoutMs: STARTUP_TIMEOUT_MS * 2, always: true });

test("axe-core reports violations inside a shadow root (the accessibility checks can fail)", async () => {
  requireServers();
  const page = await newPage({ url: "about:blank" });
  await page.setContent('<!doctype html><html lang="en"><head><title>Broken</title></head><body></body></html>');
  await page.evaluate(() => {
    const shadow = document.body.appendChild(document.createElement("div")).attachShadow({ mode: "open" });
    shadow.innerHTML = '<button></button><p style="color: #aaa; background: #fff">faint</p><ol role="log"><li>x</li></ol>';
  });
  const found = new Set((await axeViolations(page)).map((line) => line.split(" ")[0]));
  for (const id of ["button-name", "color-contrast", "listitem"]) assert.ok(found.has(id), `axe-core missed ${id}: ${[...found]}`);
  await closePage(page);
});

test("socket.io accepts the allowed origins and refuses others", async () => {
  requireServers();
  const handshake = `${RASA_URL}/socket.io/?EIO=4&transport=polling`;
  for (const origin of [WEB_URL, `http://127.0.0.1:${PORTS.blank}`]) {
    assert.equal((await httpGet(handshake, { Origin: origin })).status, 200, origin);
  }
  for (const origin of [`http://127.0.0.1:${PORTS.denied}`, "https://evil.example"]) {
    assert.equal((await httpGet(handshake, { Origin: origin })).status, 400, origin);
  }
});

test("360 px: a quick-reply button sends its payload and shows its title", async () => {
  requireServers();
  const page = await newPage({ width: 360, height: 740 });
  await openChat(page);
  const greeting = await waitForReplies(page, 0, { until: (m) => m.some((x) => x.replies.length) });
  const cramp = greeting.flatMap((m) => m.replies).find((r) => r.payload === "/report_cramp");
  assert.ok(cramp, `the greeting offers no /report_cramp button:\n${await transcriptText(page)}`);
  const replies = await clickReply(page, "/report_cramp", { until: asksOrAdvises });
  const userTexts = await page.locator(".cc-msg--user .cc-bubble").allTextContents();
  assert.deepEqual(userTexts, [cramp.title], "the button's title is shown as the person's message");
  assert.equal(await page.locator(`.cc-reply[data-payload="/report_cramp"]`).count(), 0, "old buttons are removed");
  assert.ok(
    replies.some((m) => startsWithAny(m.text, SCREENING_PREFIXES) && m.replies.some((r) => r.payload === "/deny")),
    `the payload started the screening:\n${await transcriptText(page)}`,
  );
  await noHorizontalScroll(page);
  const box = await page.locator(".cc-panel").boundingBox();
  assert.ok(box.x >= 0 && box.x + box.width <= 360, `panel fits 360 px: ${JSON.stringify(box)}`);
  await screenshot(page, "mobile-buttons.png");
  await assertAccessible(page, "360 px, a transcript with the person's and the assistant's messages and quick replies");
  assertClean(page);
  await closePage(page);
});

test("1280 px: a full screening answered 'No' by buttons ends in remedy advice", async () => {
  requireServers();
  const page = await newPage();
  await openChat(page);
  await waitForReplies(page, 0);
  let replies = await say(page, "I have a cramp in my hamstring, how can I relieve it?", { until: asksOrAdvises });
  let questions = 0;
  while (!replies.some((m) => startsWithAny(m.text, REMEDY_PREFIXES))) {
    const last = replies[replies.length - 1];
    assert.ok(
      last && last.replies.some((r) => r.payload === "/deny"),
      `expected a screening question with a 'No' button:\n${await transcriptText(page)}`,
    );
    assert.ok(questions < 20, "the screening does not end");
    questions += 1;
    replies = await clickReply(page, "/deny", { until: asksOrAdvises });
  }
  assert.ok(questions >= 1, "remedy advice came without any screening question");
  const userTexts = await page.locator(".cc-msg--user .cc-bubble").allTextContents();
  assert.equal(userTexts.filter((t) => t === "No").length, questions, "each click shows 'No'");
  assert.ok(await page.locator(".cc-emergency").isHidden(), "no emergency banner");
  assert.ok((await page.locator(".cc-msg--bot time").count()) > 0, "messages carry timestamps");
  // Show the advice in the screenshot: scroll to the first remedy message.
  await page.evaluate((prefixes) => {
    const items = [...document.getElementById("clinic-chat").shadowRoot.querySelectorAll(".cc-msg--bot")];
    const norm = (t) => t.replace(/\s+/g, " ").trim();
    const first = items.find((item) => prefixes.some((p) => norm(item.querySelector(".cc-bubble").textContent).startsWith(p)));
    const log = first.closest(".cc-log");
    const from = first.previousElementSibling ?? first;
    log.scrollTop = from.offsetTop - log.offsetTop - 8;
  }, REMEDY_PREFIXES);
  await screenshot(page, "desktop-remedy.png");
  await assertAccessible(page, "1280 px, remedy advice after a screening");
  assertClean(page);
  await closePage(page);
}, { timeoutMs: 600_000 });

test("360 px: a red flag ends in the emergency banner with a tel: link; restart clears it", async () => {
  requireServers();
  const page = await newPage({ width: 360, height: 740 });
  await openChat(page);
  await waitForReplies(page, 0);
  // The screening asks the most urgent flag first; answering "Yes" to it is an emergency.
  const replies = await say(page, "I have a cramp in my hamstring", { until: asksOrAdvises });
  const chestPain = prefixOf(responses.utter_ask_screening_form_screen_chest_pain_or_breathless[0]);
  assert.ok(
    replies.some((m) => normalise(m.text).startsWith(chestPain) && m.replies.some((r) => r.payload === "/affirm")),
    `expected the chest-pain question with a 'Yes' button:\n${await transcriptText(page)}`,
  );
  assert.ok(await page.locator(".cc-emergency").isHidden(), "no banner before the answer");
  await clickReply(page, "/affirm", { until: (m) => m.some(isEmergencyReply) });
  const banner = await emergencyBanner(page);
  const call = banner.getByRole("link");
  assert.equal(await call.getAttribute("href"), `tel:${CLINIC.EMERGENCY_NUMBER}`);
  assert.match(await call.textContent(), new RegExp(`Call ${CLINIC.EMERGENCY_NUMBER}`));
  const box = await call.boundingBox();
  assert.ok(box.height >= 44 && box.width >= 200, `the call link is easy to tap: ${JSON.stringify(box)}`);
  await noHorizontalScroll(page);
  await screenshot(page, "mobile-emergency.png");
  await assertAccessible(page, "360 px, the emergency banner");

  const before = await sessionId(page);
  await page.getByRole("button", { name: "Restart the conversation" }).click();
  assert.ok(await banner.isHidden(), "restart hides the banner");
  assert.equal(await page.locator(".cc-msg--user").count(), 0, "restart clears the view");
  const after = await waitForReplies(page, 0);
  assert.ok(after.length > 0, "the assistant answers the restart");
  assert.ok(await banner.isHidden(), "no emergency after restart");
  assert.equal(await sessionId(page), before, "same session id after restart");
  await assertAccessible(page, "360 px, restarted");
  assertClean(page);
  await closePage(page);
});

test("1280 px: a red flag described in the person's own words brings up the emergency banner", async () => {
  requireServers();
  const page = await newPage();
  await openChat(page);
  await waitForReplies(page, 0);
  await say(page, "I have a hamstring cramp and now I have chest pain and I can't breathe", {
    until: (m) => m.some(isEmergencyReply),
  });
  const banner = page.locator(".cc-emergency");
  assert.ok(await banner.isVisible(), "the banner is shown");
  assert.equal(await banner.getByRole("link").getAttribute("href"), `tel:${CLINIC.EMERGENCY_NUMBER}`);
  const remedies = (await botMessages(page)).filter((m) => startsWithAny(m.text, REMEDY_PREFIXES));
  assert.deepEqual(remedies, [], "no remedy advice in an emergency");
  await screenshot(page, "desktop-emergency.png");
  await assertAccessible(page, "1280 px, the emergency banner");
  assertClean(page);
  await closePage(page);
});

test("an injection attempt typed by the user is shown as text", async () => {
  requireServers();
  const page = await newPage();
  await openChat(page);
  await waitForReplies(page, 0);
  const attack = "<img src=x onerror=alert(1)>";
  const replies = await say(page, attack);
  assert.ok(replies.length > 0, "the assistant replies");
  assert.deepEqual(await page.locator(".cc-msg--user .cc-bubble").allTextContents(), [attack]);
  const injected = await page.evaluate(
    () => document.getElementById("clinic-chat").shadowRoot.querySelectorAll("img, script, iframe, [onerror]").length +
      document.querySelectorAll("img, [onerror]").length,
  );
  assert.equal(injected, 0, "no element was created from the text");
  await sleep(500);
  assertClean(page);
  await closePage(page);
});

test("keyboard: open, answer with a quick reply, close; focus and ARIA are right", async () => {
  requireServers();
  const page = await newPage();
  const launcher = page.locator(".cc-launcher");
  assert.match(await launcher.textContent(), /Chat with Riverside Sports Clinic/);
  assert.equal(await launcher.getAttribute("aria-expanded"), "false");
  await assertAccessible(page, "closed, the launcher only");
  await launcher.focus();
  await page.keyboard.press("Enter");
  await waitForState(page, "connected");
  const activeId = () => page.evaluate(() => document.getElementById("clinic-chat").shadowRoot.activeElement?.id ?? null);
  assert.equal(await activeId(), "cc-input", "focus moves to the message box");
  assert.equal(await launcher.getAttribute("aria-expanded"), "true");
  const log = page.getByRole("log");
  assert.equal(await log.getAttribute("aria-live"), "polite");
  assert.ok(await page.getByRole("dialog").isVisible(), "the chat is a labelled dialog");
  assert.ok(await page.getByText(/not a doctor/).isVisible(), "the disclaimer is visible");
  await waitForReplies(page, 0, { until: (m) => m.some((x) => x.replies.length) });
  await assertAccessible(page, "open with the greeting and its quick replies");
  // Shift+Tab from the message box reaches the latest quick reply; Enter activates it.
  const before = (await botMessages(page)).length;
  const lastReply = page.locator(".cc-reply").last();
  const title = await lastReply.textContent();
  for (let i = 0; i < 10 && !(await lastReply.evaluate((el) => el.getRootNode().activeElement === el)); i += 1) {
    await page.keyboard.press("Shift+Tab");
  }
  assert.ok(await lastReply.evaluate((el) => el.getRootNode().activeElement === el), "quick reply reachable by keyboard");
  await page.keyboard.press("Enter");
  await waitForReplies(page, before);
  assert.deepEqual(await page.locator(".cc-msg--user .cc-bubble").allTextContents(), [title]);
  assert.equal(await activeId(), "cc-input", "focus returns to the message box after a quick reply");
  await page.keyboard.press("Escape");
  assert.ok(await page.getByRole("dialog").isHidden(), "Escape closes the chat");
  assert.ok(await launcher.evaluate((el) => el.getRootNode().activeElement === el), "focus returns to the launcher");
  assertClean(page);
  await closePage(page);
});

test("the conversation belongs to the tab: kept on reload, not shared with a new tab, nothing in localStorage", async () => {
  requireServers();
  const page = await newPage();
  await openChat(page);
  await waitForReplies(page, 0);
  await say(page, "what causes hamstring cramps?");
  const id = await sessionId(page);
  const messages = await page.locator(".cc-msg").count();
  assert.ok(id, "a session id is kept in sessionStorage");
  await page.reload();
  await waitForState(page, "connected"); // the chat was open, so it reopens
  assert.equal(await sessionId(page), id, "same session after reload");
  assert.equal(await page.locator(".cc-msg").count(), messages, "transcript restored after reload");
  const other = await page.context().newPage();
  await other.goto(`${WEB_URL}/`);
  await openChat(other);
  await waitForReplies(other, 0);
  assert.equal(await other.locator(".cc-msg--user").count(), 0, "a new tab starts empty");
  const otherId = await other.evaluate(() => Object.entries(sessionStorage).find(([k]) => k.endsWith(":session"))?.[1]);
  assert.ok(otherId && otherId !== id, "a new tab has its own session");
  const stored = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("clinic-chat")));
  assert.deepEqual(stored, [], "nothing in localStorage");
  assertClean(page);
  await closePage(page);
});

test("the README embed snippet works on a blank page", async () => {
  requireServers();
  const page = await newPage({ url: `http://127.0.0.1:${PORTS.blank}/` });
  await openChat(page);
  const replies = await waitForReplies(page, 0);
  assert.ok(replies.length > 0, "the assistant greets");
  await say(page, "hello");
  await assertAccessible(page, "embedded in a blank page");
  assertClean(page);
  await closePage(page);
});

test("a page on an origin that is not allowed cannot connect", async () => {
  requireServers();
  const page = await newPage({ url: `http://127.0.0.1:${PORTS.denied}/` });
  await openRefused(page);
  await page.getByLabel("Your message").fill("hello");
  await page.getByLabel("Your message").press("Enter");
  assert.ok(await page.locator(".cc-typing").isVisible(), "the typing dots wait for the answer");
  await assertAccessible(page, "cannot reach the assistant, a message typed and waiting");
  await sleep(3000);
  assert.equal(await page.locator(".cc-msg--bot").count(), 0, "no message from the assistant");
  assert.deepEqual(page.errors, []);
  await closePage(page);
});

test("after Rasa restarts mid-screening the widget reconnects and the conversation continues", async () => {
  requireServers();
  const page = await newPage();
  await openChat(page);
  await waitForReplies(page, 0);
  await say(page, "I have a cramp in my hamstring, how can I relieve it?", { until: asksOrAdvises });
  await clickReply(page, "/deny", { until: asksOrAdvises });
  const pending = (await botMessages(page)).at(-1);
  assert.ok(pending.replies.some((r) => r.payload === "/deny"), `a screening question is pending:\n${await transcriptText(page)}`);
  const id = await sessionId(page);

  await supervisor.stopRasa({ kill: true });
  await waitForState(page, "reconnecting", 30_000);
  assert.match(await page.getByRole("status").textContent(), /Reconnecting/);
  await assertAccessible(page, "reconnecting, a screening question pending");
  await supervisor.startRasa({ timeoutS: STARTUP_TIMEOUT_MS / 1000 });
  await waitForState(page, "connected", 60_000);
  assert.equal(await sessionId(page), id, "same session id after reconnecting");

  const replies = await clickReply(page, "/deny", { until: asksOrAdvises });
  assert.ok(
    replies.some((m) => startsWithAny(m.text, [...SCREENING_PREFIXES, ...REMEDY_PREFIXES])),
    `the screening goes on after the restart:\n${await transcriptText(page)}`,
  );
  // The widget's session id names the conversation web:<session id> (channels/conversation_id.py).
  const tracker = await httpGet(`${RASA_URL}/conversations/web:${id}/tracker?token=${TOKEN}`);
  assert.equal(tracker.status, 200);
  const userTexts = JSON.parse(tracker.body).events.filter((e) => e.event === "user").map((e) => e.text);
  assert.ok(userTexts.includes("I have a cramp in my hamstring, how can I relieve it?"), "the tracker kept the turns before the restart");
  assert.ok(userTexts.filter((t) => t === "/deny").length >= 2, "and has the answer after it");
  assertClean(page);
  await closePage(page);
}, { timeoutMs: STARTUP_TIMEOUT_MS + 180_000 });

// ---------------------------------------------------------------------------

const { failed } = await run({
  only: env.WIDGET_TEST_ONLY ? new RegExp(env.WIDGET_TEST_ONLY, "i") : undefined,
  onFailure: async (name) => browser?.onFailure(name),
});
if (failed && supervisor) {
  for (const name of ["rasa", "actions"]) console.log(`--- last lines of ${name}.log ---\n${supervisor.tail(name, 30)}`);
}
await finish({ failed, browser, supervisor, workDir: work });
