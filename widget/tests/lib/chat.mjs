// Driving the widget in headless Debian Chromium (playwright-core, no browser download):
// pages, the widget's state, the assistant's messages as a person sees them, and
// axe-core's WCAG 2.2 AA check. The widget lives in an open shadow root; playwright's
// locators pierce it.
import assert from "node:assert/strict";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { sleep, WIDGET } from "./servers.mjs";

export const REPLY_TIMEOUT_MS = 60_000;
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const AXE_SOURCE = join(WIDGET, "node_modules", "axe-core", "axe.min.js");
/** axe-core's tags for WCAG 2.0, 2.1 and 2.2, levels A and AA. */
const WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/**
 * The embed snippet of widget/README.md between `<!-- ${marker}:start -->` and
 * `<!-- ${marker}:end -->`: what a clinic pastes into its pages.
 */
export function embedSnippet(marker) {
  const readme = readFileSync(join(WIDGET, "README.md"), "utf8");
  const match = new RegExp(`<!-- ${marker}:start -->\\s*\`\`\`html\n([\\s\\S]*?)\`\`\`\\s*<!-- ${marker}:end -->`).exec(readme);
  assert.ok(match, `widget/README.md has no ${marker} between its markers`);
  return match[1];
}

/**
 * Debian's headless Chromium (`CHROMIUM`) and the page the running test has open: a
 * failing test leaves a screenshot of it in `workDir`, and does not leave it open.
 */
export class Browser {
  constructor(browser, workDir) {
    Object.assign(this, { browser, workDir, current: null });
  }

  static async launch(workDir) {
    return new Browser(await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true }), workDir);
  }

  /** A page in a fresh context (its own sessionStorage), recording errors and dialogs. */
  async open(url, { width = 1280, height = 800 } = {}) {
    const context = await this.browser.newContext({ viewport: { width, height } });
    const page = await context.newPage();
    page.errors = [];
    page.dialogs = [];
    page.on("pageerror", (error) => page.errors.push(error.message));
    page.on("dialog", (dialog) => {
      page.dialogs.push(dialog.message());
      dialog.dismiss().catch(() => {});
    });
    this.current = page;
    await page.goto(url);
    return page;
  }

  async close(page) {
    await page.context().close();
    if (this.current === page) this.current = null;
  }

  /** For the runner: the failed test's page, saved as a screenshot and closed. */
  async onFailure(name) {
    if (!this.current) return;
    const file = join(this.workDir, `failure-${name.replace(/[^a-z0-9]+/gi, "-").slice(0, 60)}.png`);
    await this.current.screenshot({ path: file }).catch(() => {});
    console.log(`    screenshot: ${file}`);
    await this.current.context().close().catch(() => {});
    this.current = null;
  }
}

/**
 * Ends a browser test script: names the logs if a test failed (else removes them),
 * closes the browser, stops the servers, exits with the result.
 */
export async function finish({ failed, browser, supervisor, workDir }) {
  if (failed) console.log(`logs: ${workDir} (${readdirSync(workDir).join(", ")})`);
  if (browser) await browser.browser.close().catch(() => {});
  if (supervisor) await supervisor.stopAll().catch((error) => console.log(error.message));
  if (!failed) rmSync(workDir, { recursive: true, force: true });
  process.exit(failed ? 1 : 0);
}

export async function waitForState(page, state, timeout = REPLY_TIMEOUT_MS) {
  await page.waitForFunction(
    (wanted) => document.getElementById("clinic-chat")?.shadowRoot.querySelector(".cc-root")?.dataset.state === wanted,
    state,
    { timeout },
  );
}

export async function openChat(page) {
  await page.getByRole("button", { name: /^Chat with/ }).click();
  await waitForState(page, "connected");
}

/** The bot's messages as the person sees them: text and quick replies. */
export function botMessages(page) {
  return page.evaluate(() =>
    [...document.getElementById("clinic-chat").shadowRoot.querySelectorAll(".cc-msg--bot")].map((item) => ({
      text: item.querySelector(".cc-bubble").textContent,
      replies: [...item.querySelectorAll(".cc-reply")].map((b) => ({ title: b.textContent, payload: b.dataset.payload })),
    })),
  );
}

export const transcriptText = async (page) => (await botMessages(page)).map((m) => `  bot: ${m.text}`).join("\n");

/**
 * The bot messages after the first `before`, once `until(messages)` holds (default: at least
 * one arrived) and no new one has come for `quietMs`. Rasa sends a turn's messages one by one,
 * and under load the gaps between them can be long, so tests name what they wait for.
 */
export async function waitForReplies(page, before, { until = (messages) => messages.length > 0, quietMs = 1500, timeout = REPLY_TIMEOUT_MS } = {}) {
  const deadline = Date.now() + timeout;
  let last = -1;
  let quietSince = Date.now();
  for (;;) {
    const messages = (await botMessages(page)).slice(before);
    if (messages.length !== last) {
      last = messages.length;
      quietSince = Date.now();
    } else if (until(messages) && Date.now() - quietSince >= quietMs) {
      return messages;
    }
    if (Date.now() > deadline) {
      throw new Error(`the expected reply did not come within ${timeout / 1000} s:\n${await transcriptText(page)}`);
    }
    await sleep(250);
  }
}

export async function say(page, text, options) {
  const before = (await botMessages(page)).length;
  await page.getByLabel("Your message").fill(text);
  await page.getByLabel("Your message").press("Enter");
  return waitForReplies(page, before, options);
}

export async function clickReply(page, payload, options) {
  const before = (await botMessages(page)).length;
  await page.locator(`.cc-reply[data-payload="${payload}"]`).click();
  return waitForReplies(page, before, options);
}

/** The session id the server gave this tab (kept in sessionStorage). */
export async function sessionId(page) {
  return page.evaluate(() => Object.entries(sessionStorage).find(([key]) => key.endsWith(":session"))?.[1] ?? null);
}

/**
 * axe-core's WCAG 2.2 AA violations on the page, the widget's open shadow root included:
 * one line per element, "rule (impact): target: what to fix".
 */
export async function axeViolations(page) {
  if (!(await page.evaluate(() => "axe" in window))) await page.evaluate(readFileSync(AXE_SOURCE, "utf8"));
  const violations = await page.evaluate(
    (tags) => window.axe.run(document, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] }).then((r) => r.violations),
    WCAG_TAGS,
  );
  return violations.flatMap((v) =>
    v.nodes.map((node) => `${v.id} (${v.impact}): ${node.target.flat().join(" >>> ")}: ${node.failureSummary.replace(/\s+/g, " ")}`),
  );
}

/** Fails with every axe-core violation of the page in the state the test has reached. */
export async function assertAccessible(page, state) {
  const violations = await axeViolations(page);
  assert.ok(violations.length === 0, `axe-core, ${state}:\n  ${violations.join("\n  ")}`);
}

/** The emergency banner, once it is up: an alert. */
export async function emergencyBanner(page) {
  const banner = page.locator(".cc-emergency");
  await banner.waitFor({ state: "visible", timeout: REPLY_TIMEOUT_MS }).catch(async () => {
    throw new Error(`no emergency banner:\n${await transcriptText(page)}`);
  });
  assert.equal(await banner.getAttribute("role"), "alert");
  return banner;
}

/** Opens the chat on a page whose origin the server refuses: "Can't reach the assistant". */
export async function openRefused(page) {
  await page.getByRole("button", { name: /^Chat with/ }).click();
  await waitForState(page, "error", 20_000);
  assert.match(await page.getByRole("status").textContent(), /Can't reach/);
}

export function assertClean(page) {
  assert.deepEqual(page.errors, [], "JavaScript errors on the page");
  assert.deepEqual(page.dialogs, [], "unexpected dialogs");
}
