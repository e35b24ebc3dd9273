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
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { assistantTexts, normalise, prefixOf } from "./lib/assistant.mjs";
import * as chat from "./lib/chat.mjs";
import { run, test } from "./lib/runner.mjs";
import { PYTHON, REPO, sleep, Supervisor, WIDGET } from "./lib/servers.mjs";

const { NGINX_URL, CLINIC_PAGE_PORT, OTHER_PAGE_PORT, EMERGENCY_NUMBER } = process.env;
const PAGE_URL = `http://127.0.0.1:${CLINIC_PAGE_PORT}`;
const OTHER_URL = `http://127.0.0.1:${OTHER_PAGE_PORT}`;

const { responses, isEmergencyReply, asksOrAdvises } = assistantTexts({ python: PYTHON, repo: REPO, emergencyNumber: EMERGENCY_NUMBER });
const work = mkdtempSync(join(tmpdir(), "clinic-chat-nginx-"));
const result = {};
let supervisor = null;
let browser = null;

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
  const snippet = chat.embedSnippet("embed-snippet-production").replaceAll("https://chat.clinic.example", NGINX_URL);
  return demo.replace(embed, () => `<!-- The widget, as a clinic embeds it (widget/README.md). -->\n${snippet}`);
}

function requireServers() {
  if (!browser || !supervisor || !supervisor.alive("clinic-page")) {
    throw Object.assign(new Error("not run: the pages are not served (see the start-up test)"), { brief: true });
  }
}

async function startPages() {
  assert.ok(NGINX_URL && CLINIC_PAGE_PORT && OTHER_PAGE_PORT, "NGINX_URL, CLINIC_PAGE_PORT and OTHER_PAGE_PORT are needed");
  const root = join(work, "site");
  mkdirSync(root);
  writeFileSync(join(root, "index.html"), clinicPage());
  supervisor = new Supervisor({ python: PYTHON, repo: REPO, logDir: work });
  for (const [name, port] of [["clinic-page", CLINIC_PAGE_PORT], ["other-origin", OTHER_PAGE_PORT]]) {
    const command = [PYTHON, join(WIDGET, "server.py"), "--port", port, "--root", root];
    await supervisor.spawn(name, command, { waitUrl: `http://127.0.0.1:${port}/` });
  }
  browser = await chat.Browser.launch(work);
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
  const page = await browser.open(`${PAGE_URL}/`);
  // The widget shows itself once its stylesheet has loaded (or failed to).
  await page.getByRole("button", { name: /^Chat with/ }).waitFor({ state: "visible" });
  assert.deepEqual(await widgetFiles(page), {
    script: `${NGINX_URL}/widget/clinic-chat.js`,
    stylesheet: `${NGINX_URL}/widget/clinic-chat.css`,
    stylesheetLoaded: true,
  });
  await chat.assertAccessible(page, "the clinic's page, the widget closed");
  await chat.openChat(page);
  await chat.waitForReplies(page, 0, { until: (m) => m.some((x) => x.replies.length) });
  await chat.assertAccessible(page, "the clinic's page, the chat open with the greeting");

  const chestPain = prefixOf(responses.utter_ask_screening_form_screen_chest_pain_or_breathless[0]);
  const coldLeg = prefixOf(responses.utter_ask_screening_form_screen_cold_pale_leg[0]);
  const asked = (messages, prefix) => messages.some((m) => normalise(m.text).startsWith(prefix) && m.replies.some((r) => r.payload === "/affirm"));
  let replies = await chat.say(page, "I have a cramp in my hamstring", { until: asksOrAdvises });
  assert.ok(asked(replies, chestPain), `expected the chest-pain question:\n${await chat.transcriptText(page)}`);
  replies = await chat.clickReply(page, "/deny", { until: asksOrAdvises });
  assert.ok(asked(replies, coldLeg), `expected the cold-leg question:\n${await chat.transcriptText(page)}`);
  await chat.assertAccessible(page, "the clinic's page, a screening question with quick replies");
  const id = await chat.sessionId(page);
  const shown = await page.locator(".cc-msg").count();
  assert.ok(id, "the server gave the tab a session");

  // The next connection can only reach the other instance. Moving to another page of
  // the clinic's site (here: reloading) opens it with the tab's id and signed token.
  await route("1");
  await page.reload();
  await chat.waitForState(page, "connected");
  assert.equal(await chat.sessionId(page), id, "the other instance accepted the tab's signed token");
  assert.equal(await page.locator(".cc-msg").count(), shown, "the transcript is kept");
  assert.ok(await page.locator(".cc-emergency").isHidden(), "no banner before the answer");
  await chat.clickReply(page, "/affirm", { until: (m) => m.some(isEmergencyReply) });
  const banner = await chat.emergencyBanner(page);
  assert.equal(await banner.getByRole("link").getAttribute("href"), `tel:${EMERGENCY_NUMBER}`);
  await chat.assertAccessible(page, "the clinic's page, the emergency banner");
  chat.assertClean(page);
  result.conversation = id;
  await browser.close(page);
  await route("all");
}, { timeoutMs: 300_000 });

test("a tab that knows a conversation's id but not its token gets a conversation of its own", async () => {
  requireServers();
  assert.ok(result.conversation, "not run: no conversation to claim (see the previous test)");
  const page = await browser.open("about:blank");
  const prefix = `clinic-chat:${NGINX_URL}`;
  await page.context().addInitScript(
    ([key, id]) => {
      sessionStorage.setItem(`${key}:session`, id);
      sessionStorage.setItem(`${key}:token`, "forged-token");
    },
    [prefix, result.conversation],
  );
  await page.goto(`${PAGE_URL}/`);
  await chat.openChat(page);
  await chat.waitForReplies(page, 0);
  const claimed = await chat.sessionId(page);
  assert.ok(claimed && claimed !== result.conversation, `the server handed out ${claimed}, the claimed conversation`);
  assert.equal(await page.locator(".cc-msg--user").count(), 0, "nothing of the other conversation is shown");
  chat.assertClean(page);
  result.claimant = claimed;
  await browser.close(page);
});

test("a page on another origin cannot open a conversation through nginx", async () => {
  requireServers();
  const page = await browser.open(`${OTHER_URL}/`);
  await chat.openRefused(page);
  await chat.assertAccessible(page, "another origin's page, the assistant unreachable");
  await sleep(2000);
  assert.equal((await chat.botMessages(page)).length, 0, "no message from the assistant");
  assert.equal(await chat.sessionId(page), null, "no session");
  assert.deepEqual(page.errors, []);
  await browser.close(page);
});

// ---------------------------------------------------------------------------

const { failed } = await run({ onFailure: async (name) => browser?.onFailure(name) });
console.log(`@result ${JSON.stringify(result)}`);
await chat.finish({ failed, browser, supervisor, workDir: work });
