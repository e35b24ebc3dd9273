/**
 * The widget's own interface text (the assistant's replies come from Rasa).
 * Add a language by adding a table with the same keys; unknown languages
 * fall back to English.
 */

const STRINGS = {
  en: {
    launcher: "Chat with {clinic}",
    title: "{clinic}",
    subtitle: "Hamstring cramp assistant",
    disclaimer:
      "This assistant gives general information about hamstring cramps. It is not a doctor and cannot diagnose you.",
    disclaimerEmergency: "In an emergency, call {number} now.",
    disclaimerEmergencyGeneric: "In an emergency, call your local emergency number now.",
    conversation: "Conversation",
    inputLabel: "Your message",
    placeholder: "Type your message…",
    send: "Send",
    restart: "Restart",
    restartLabel: "Restart the conversation",
    close: "Close chat",
    typing: "The assistant is typing…",
    botSaid: "Assistant said:",
    userSaid: "You said:",
    suggestions: "Suggested replies",
    connecting: "Connecting…",
    reconnecting: "Connection lost. Reconnecting…",
    unreachable: "Can't reach the assistant. Retrying…",
    emergencyHeading: "Emergency",
    emergencyCall: "Call {number} now",
    emergencyCallLocal: "Call your local emergency number now",
    cleared: "Conversation restarted.",
  },
};

/**
 * A function that returns the interface text for `key` in `language`.
 * @param {string} language
 * @returns {(key: string, values?: Record<string, string>) => string}
 */
export function translator(language) {
  const base = String(language || "en").toLowerCase().split("-")[0];
  const table = STRINGS[base] || STRINGS.en;
  return (key, values = {}) =>
    (table[key] ?? STRINGS.en[key] ?? key).replace(/\{(\w+)\}/g, (_, name) => values[name] ?? "");
}

