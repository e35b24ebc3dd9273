/**
 * Recognising the assistant's emergency reply.
 *
 * The assistant's `utter_escalate_emergency` leads with the emergency number
 * ("Call {emergency_number} now …", triage contract rule 7). A bot message is
 * treated as an emergency when either
 *   1. it carries custom data `{"emergency_number": "<number>"}`, or
 *   2. its text starts with "Call", then a phone number (plain, bold, or a
 *      markdown `tel:` link), then "now".
 * The widget then shows a banner with a tappable `tel:` link to that number.
 */

const NUMBER = String.raw`\+?[0-9][0-9 ().-]{0,20}[0-9]|[0-9]`;
const LEADING_CALL = new RegExp(
  String.raw`^[\s*_]*call\s+(?:\*\*)?(?:\[[^\]\n]*\]\((tel:[^()\s]+)\)|(${NUMBER}))(?:\*\*)?\s+now\b`,
  "i",
);

/**
 * Digits (and a leading plus) of a phone number, or null if it has none.
 * @param {string} number
 * @returns {string|null}
 */
export function dialable(number) {
  const trimmed = String(number).trim().replace(/^tel:/i, "");
  const digits = trimmed.replace(/[^0-9]/g, "");
  if (digits.length === 0 || digits.length > 20) return null;
  return (trimmed.startsWith("+") ? "+" : "") + digits;
}

/**
 * The emergency number a bot message asks the person to call, or null.
 * @param {{text?: string, emergency_number?: string, custom?: object}} message
 * @returns {{number: string, href: string}|null}
 */
export function emergencyCall(message) {
  const custom = message.custom && typeof message.custom === "object" ? message.custom : message;
  if (custom.emergency_number != null) {
    const digits = dialable(custom.emergency_number);
    if (digits) return { number: String(custom.emergency_number).trim(), href: `tel:${digits}` };
  }
  const text = typeof message.text === "string" ? message.text : "";
  const match = LEADING_CALL.exec(text);
  if (!match) return null;
  const raw = match[1] || match[2];
  const digits = dialable(raw);
  if (!digits) return null;
  return { number: match[2] ? match[2].trim() : digits, href: `tel:${digits}` };
}
