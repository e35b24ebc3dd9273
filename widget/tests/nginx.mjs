// The widget in Chromium through the deployment's nginx, on a cluster of two Rasa
// instances (PostgreSQL tracker store, Redis lock store). Run by
// tests/deploy/test_widget_through_nginx.py, which starts the cluster (the deployment
// tests' session fixtures), reads back what PostgreSQL stored and nginx logged, and
// answers this script's routing requests:
//
//   this script prints   @route 0 | @route 1 | @route all
//   the test answers     @routed   (nginx now sends new connections only there)
//
// The clinic's page (the demo page with widget/README.md's production snippet, pointed
// at nginx) and a page on an origin that is not allowed are served by widget/server.py.
// At the end the script prints `@result {...}`: the conversations it had.
//
// Environment: NGINX_URL, CLINIC_PAGE_PORT, OTHER_PAGE_PORT, EMERGENCY_NUMBER, PY,
// CHROMIUM (/usr/bin/chromium).
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { assistantTexts, normalise, prefixOf } from "./lib/assistant.mjs";
import {
  assertAccessible,
  assertClean,
  botMessages,
  clickReply,
  embedSnippet,
  launchChromium,
  openChat,
  openPage,
  REPLY_TIMEOUT_MS,
  say,
  sessionId,
  transcriptText,
  waitForReplies,
  waitForState,
} from "./lib/chat.mjs";
import { run, test } from "./lib/runner.mjs";
import { sleep, Supervisor } from "./lib/servers.mjs";

const WIDGET = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const REPO = resolve(WIDGET, "..");
const env = process.env;
const NGINX_URL = env.NGINX_URL;
const PAGE_URL = `http://127.0.0.1:${env.CLINIC_PAGE_PORT}`;
const OTHER_URL = `http://127.0.0.1:${env.OTHER_PAGE_PORT}`;
const EMERGENCY_NUMBER = env.EMERGENCY_NUMBER;
const PY = resolve(REPO, env.PY || ".venv/bin/python");
const CHROMIUM = env.CHROMIUM || "/usr/bin/chromium";

const { responses, isEmergencyReply, asksOrAdvises } = assistantTexts({ python: PY, repo: REPO, emergencyNumber: EMERGENCY_NUMBER });
const work = mkdtempSync(join(tmpdir(), "clinic-chat-nginx-"));
const result = {};
let supervisor = null;
let browser = null;
let currentPage = null;

// ---------------------------------------------------------------------------
// Routing: the test that runs this script reloads nginx with other instances.

const answers = createInterface({ input: process.stdin })[Symbol.asyncIterator]();

/** Asks the test to let nginx route new connections to `instances` only ("all": every one). */
async function route(instances) {
  console.log(`@route ${instances}`);
  const { value } = await answers.next();
  assert.equal(value, "@routed", `nginx was not rerouted to ${instances}`);
}

// ---------------------------------------------------------------------------

/** The demo clinic page, its widget embedded with the README's production snippet. */
function clinicPage() {
  const demo = readFileSync(join(WIDGET, "demo", "index.html"), "utf8");
  const embed = /<!-- The widget: one script tag\.[\s\S]*?<\/script>/;
  assert.ok(embed.test(demo), "widget/demo/index.html has no embed script to replace");
  const snippet = embedSnippet("embed-snippet-production").replaceAll("https://chat.clinic.example", NGINX_URL);
  return demo.replace(embed, () => `<!-- The widget, as a clinic embeds it (widget/README.md). -->\n${snippet}`);
}

async function newPage(url, size) {
  const page = await openPage(browser, url, size);
  currentPage = page;
  return page;
}

async function closePage(page) {
  await page.context().close();
  if (currentPage === page) currentPage = null;
}

function requireServers() {
  if (!browser || !supervisor || !supervisor.alive("clinic-page")) {
    throw Object.assign(new Error("not run: the pages are not served (see the start-up test)"), { brief: true });
  }
}

async function startPages() {
  assert.ok(NGINX_URL && env.CLINIC_PAGE_PORT && env.OTHER_PAGE_PORT, "NGINX_URL, CLINIC_PAGE_PORT and OTHER_PAGE_PORT are needed");
  const root = join(work, "site");
  mkdirSync(root);
  writeFileSync(join(root, "index.html"), clinicPage());
  supervisor = new Supervisor({ python: PY, repo: REPO, logDir: work });
  for (const [name, url] of [["clinic-page", PAGE_URL], ["other-origin", OTHER_URL]]) {
    const port = new URL(url).port;
    await supervisor.spawn(name, [PY, join(WIDGET, "server.py"), "--port", port, "--root", root], { waitUrl: `${url}/` });
  }
  browser = await launchChromium(CHROMIUM);
}

/** Where the page loaded the widget's script and stylesheet from, and whether they loaded. */
function widgetFiles(page) {
  return page.evaluate(() => {
    const link = document.getElementById("clinic-chat").shadowRoot.querySelector("link[rel=stylesheet]");
    return {
      script: document.querySelector("script[data-server-url]").src,
      stylesheet: link.href,
      stylesheetLoaded: link.sheet !== null,
    };
  });
}

// ---------------------------------------------------------------------------

test("the clinic's page and a page on another origin are served", startPages, { always: true, timeoutMs: 120_000 });

test("through nginx: a screening on one instance, reconnected on the other, ends in the emergency banner", async () => {
  requireServers();
  await route("0");
  const page = await newPage(`${PAGE_URL}/`);
  // The widget shows itself once its stylesheet has loaded (or failed to).
  await page.getByRole("button", { name: /^Chat with/ }).waitFor({ state: "visible" });
  assert.deepEqual(await widgetFiles(page), {
    script: `${NGINX_URL}/widget/clinic-chat.js`,
    stylesheet: `${NGINX_URL}/widget/clinic-chat.css`,
    stylesheetLoaded: true,
  });
  await assertAccessible(page, "the clinic's page, the widget closed");
  await openChat(page);
  await waitForReplies(page, 0, { until: (m) => m.some((x) => x.replies.length) });
  await assertAccessible(page, "the clinic's page, the chat open with the greeting");

  const chestPain = prefixOf(responses.utter_ask_screening_form_screen_chest_pain_or_breathless[0]);
  const coldLeg = prefixOf(responses.utter_ask_screening_form_screen_cold_pale_leg[0]);
  const asked = (messages, prefix) => messages.some((m) => normalise(m.text).startsWith(prefix) && m.replies.some((r) => r.payload === "/affirm"));
  let replies = await say(page, "I have a cramp in my hamstring", { until: asksOrAdvises });
  assert.ok(asked(replies, chestPain), `expected the chest-pain question:\n${await transcriptText(page)}`);
  replies = await clickReply(page, "/deny", { until: asksOrAdvises });
  assert.ok(asked(replies, coldLeg), `expected the cold-leg question:\n${await transcriptText(page)}`);
  await assertAccessible(page, "the clinic's page, a screening question with quick replies");
  const id = await sessionId(page);
  const shown = await page.locator(".cc-msg").count();
  assert.ok(id, "the server gave the tab a session");

  // The next connection can only reach the other instance. Moving to another page of
  // the clinic's site (here: reloading) opens it with the tab's id and signed token.
  await route("1");
  await page.reload();
  await waitForState(page, "connected");
  assert.equal(await sessionId(page), id, "the other instance accepted the tab's signed token");
  assert.equal(await page.locator(".cc-msg").count(), shown, "the transcript is kept");
  assert.ok(await page.locator(".cc-emergency").isHidden(), "no banner before the answer");
  await clickReply(page, "/affirm", { until: (m) => m.some(isEmergencyReply) });
  const banner = page.locator(".cc-emergency");
  await banner.waitFor({ state: "visible", timeout: REPLY_TIMEOUT_MS }).catch(async () => {
    throw new Error(`no emergency banner:\n${await transcriptText(page)}`);
  });
  assert.equal(await banner.getAttribute("role"), "alert");
  assert.equal(await banner.getByRole("link").getAttribute("href"), `tel:${EMERGENCY_NUMBER}`);
  await assertAccessible(page, "the clinic's page, the emergency banner");
  assertClean(page);
  result.conversation = id;
  await closePage(page);
  await route("all");
}, { timeoutMs: 300_000 });

test("a tab that knows a conversation's id but not its token gets a conversation of its own", async () => {
  requireServers();
  assert.ok(result.conversation, "not run: no conversation to claim (see the previous test)");
  const page = await newPage("about:blank");
  const prefix = `clinic-chat:${NGINX_URL}`;
  await page.context().addInitScript(
    ([key, id]) => {
      sessionStorage.setItem(`${key}:session`, id);
      sessionStorage.setItem(`${key}:token`, "forged-token");
    },
    [prefix, result.conversation],
  );
  await page.goto(`${PAGE_URL}/`);
  await openChat(page);
  await waitForReplies(page, 0);
  const claimed = await sessionId(page);
  assert.ok(claimed && claimed !== result.conversation, `the server handed out ${claimed}, the claimed conversation`);
  assert.equal(await page.locator(".cc-msg--user").count(), 0, "nothing of the other conversation is shown");
  assertClean(page);
  result.claimant = claimed;
  await closePage(page);
});

test("a page on another origin cannot open a conversation through nginx", async () => {
  requireServers();
  const page = await newPage(`${OTHER_URL}/`);
  await page.getByRole("button", { name: /^Chat with/ }).click();
  await waitForState(page, "error", 20_000);
  assert.match(await page.getByRole("status").textContent(), /Can't reach/);
  await assertAccessible(page, "another origin's page, the assistant unreachable");
  await sleep(2000);
  assert.equal((await botMessages(page)).length, 0, "no message from the assistant");
  assert.equal(await sessionId(page), null, "no session");
  assert.deepEqual(page.errors, []);
  await closePage(page);
});

// ---------------------------------------------------------------------------

const { failed } = await run({
  onFailure: async (name) => {
    if (currentPage) {
      const file = join(work, `failure-${name.replace(/[^a-z0-9]+/gi, "-").slice(0, 60)}.png`);
      await currentPage.screenshot({ path: file }).catch(() => {});
      console.log(`    screenshot: ${file}`);
      await currentPage.context().close().catch(() => {});
      currentPage = null;
    }
  },
});
console.log(`@result ${JSON.stringify(result)}`);
if (failed) console.log(`logs: ${work} (${readdirSync(work).join(", ")})`);
if (browser) await browser.close().catch(() => {});
if (supervisor) await supervisor.stopAll().catch((error) => console.log(error.message));
if (!failed) rmSync(work, { recursive: true, force: true });
process.exit(failed ? 1 : 0);
