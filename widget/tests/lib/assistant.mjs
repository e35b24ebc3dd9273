// The assistant's own texts, read from the domain (never copied into a test), and what
// the browser tests recognise by them: screening questions, remedy advice, the
// emergency reply.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { plainText } from "../../src/markup.js";

export const normalise = (text) => text.replace(/\s+/g, " ").trim();

/** What a message rendered from `template` starts with (up to its first slot). */
export function prefixOf(template) {
  return normalise(plainText(template).split("{")[0]).slice(0, 40);
}

export const startsWithAny = (text, prefixes) => prefixes.some((prefix) => normalise(text).startsWith(prefix));

/** Every response of the domain (domain.yml or domain/), by name: its texts. */
function loadResponses(python, repo) {
  if (!existsSync(join(repo, "domain.yml")) && !existsSync(join(repo, "domain"))) return {};
  const script = [
    "import json, pathlib, sys, yaml",
    "root = pathlib.Path(sys.argv[1])",
    "files = [root / 'domain.yml'] if (root / 'domain.yml').exists() else sorted((root / 'domain').rglob('*.yml'))",
    "responses = {}",
    "for f in files: responses.update((yaml.safe_load(f.read_text()) or {}).get('responses') or {})",
    "print(json.dumps({k: [v.get('text', '') for v in vs] for k, vs in responses.items()}))",
  ].join("\n");
  return JSON.parse(execFileSync(python, ["-c", script, repo], { encoding: "utf8" }));
}

/**
 * The domain's responses and the recognisers built on them; `emergencyNumber` is the
 * servers' EMERGENCY_NUMBER, which the emergency reply names.
 */
export function assistantTexts({ python, repo, emergencyNumber }) {
  const responses = loadResponses(python, repo);
  const prefixesOf = (predicate) =>
    Object.entries(responses)
      .filter(([name]) => predicate(name))
      .flatMap(([, texts]) => texts.map(prefixOf))
      .filter((prefix) => prefix.length >= 10);
  const remedyPrefixes = prefixesOf((name) => name.startsWith("utter_remedy_"));
  const screeningPrefixes = prefixesOf((name) => name.startsWith("utter_ask_screening_form_"));
  /** The emergency reply as the widget shows it. */
  const emergencyPrefixes = (responses.utter_escalate_emergency || []).map((text) =>
    normalise(plainText(text.replaceAll("{emergency_number}", emergencyNumber))).slice(0, 40),
  );
  return {
    responses,
    remedyPrefixes,
    screeningPrefixes,
    isEmergencyReply: (message) => emergencyPrefixes.some((prefix) => normalise(message.text).startsWith(prefix)),
    /** A screening question offering a "No" button, or remedy advice. */
    asksOrAdvises: (messages) =>
      messages.some((m) => startsWithAny(m.text, remedyPrefixes)) ||
      (messages.at(-1)?.replies.some((r) => r.payload === "/deny") ?? false),
  };
}
