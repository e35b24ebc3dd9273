/**
 * Recognising the assistant's emergency signal.
 *
 * After an emergency escalation (`utter_escalate_emergency`, triage contract rule 7)
 * the clinic's socket.io channel (channels/socketio.py) sends a signal of its own:
 *   {"triage_level": "emergency", "emergency_number": "<EMERGENCY_NUMBER>"}
 * The widget shows its alert banner from that signal, never from the reply's wording,
 * so a reworded response or a number written in words ("your local emergency number",
 * the default) still raises it. A dialable number becomes a tappable `tel:` link.
 * Custom data `{"emergency_number": "<number>"}` is an emergency too.
 */

/**
 * Digits (and a leading plus) of a phone number, or null if it has none.
 * @param {string} number
 * @returns {string|null}
 */
export function dialable(number) {
  const trimmed = String(number).trim().replace(/^tel:/i, "");
  if (/[a-z]/i.test(trimmed)) return null;
  const digits = trimmed.replace(/[^0-9]/g, "");
  if (digits.length === 0 || digits.length > 20) return null;
  return (trimmed.startsWith("+") ? "+" : "") + digits;
}

/**
 * The emergency a bot message signals, or null.
 * `number` is what to show ("" when the server has none), `href` a `tel:` link or null.
 * @param {{triage_level?: string, emergency_number?: string, custom?: object}} message
 * @returns {{number: string, href: string|null}|null}
 */
export function emergencyCall(message) {
  if (!message || typeof message !== "object") return null;
  const custom = message.custom && typeof message.custom === "object" ? message.custom : message;
  const signalled = custom.triage_level != null;
  if (signalled ? custom.triage_level !== "emergency" : custom.emergency_number == null) return null;
  const number = typeof custom.emergency_number === "string" ? custom.emergency_number.trim() : "";
  const digits = number ? dialable(number) : null;
  // Custom data alone must name a dialable number; the channel's signal need not.
  if (!signalled && !digits) return null;
  return { number, href: digits ? `tel:${digits}` : null };
}
