/**
 * What the widget reads from and builds in the embedding page: its configuration
 * (the script tag's data attributes), readable colours, elements, tab storage.
 */

const DEFAULT_COLOR = "#0b5cad";

/** Reads the configuration from the embedding script tag. */
export function readConfig(script) {
  const data = script ? script.dataset : {};
  const scriptUrl = script && script.src ? script.src : document.baseURI;
  const color = /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i.test(data.primaryColor || "")
    ? data.primaryColor
    : DEFAULT_COLOR;
  return {
    serverUrl: (data.serverUrl || "http://localhost:5005").replace(/\/+$/, ""),
    socketPath: data.socketPath || "/socket.io",
    clinicName: (data.clinicName || "Our clinic").slice(0, 80),
    primaryColor: color,
    language: data.language || document.documentElement.lang || "en",
    emergencyNumber: data.emergencyNumber || "",
    initPayload: data.initPayload ?? "/greet",
    stylesheet: data.stylesheet || new URL("clinic-chat.css", scriptUrl).href,
  };
}

/** WCAG relative luminance of a #rgb / #rrggbb colour. */
function luminance(hex) {
  const full = hex.length === 4 ? hex.replace(/[0-9a-f]/gi, (c) => c + c) : hex;
  const channels = [1, 3, 5].map((i) => parseInt(full.slice(i, i + 2), 16) / 255);
  const [r, g, b] = channels.map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** Black or white, whichever reads better on `hex` (WCAG contrast ratio). */
export function readableOn(hex) {
  const l = luminance(hex);
  return (1.05 / (l + 0.05) >= (l + 0.05) / 0.05) ? "#ffffff" : "#111111";
}

export function el(doc, tag, attrs = {}, text) {
  const node = doc.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value == null) continue;
    node.setAttribute(name, value === true ? "" : String(value));
  }
  if (text != null) node.textContent = text;
  return node;
}

/** Session storage that degrades to memory when storage is blocked. */
export function tabStorage() {
  const memory = new Map();
  let store = null;
  try {
    store = window.sessionStorage;
    store.setItem("clinic-chat:probe", "1");
    store.removeItem("clinic-chat:probe");
  } catch {
    store = null;
  }
  return {
    get: (key) => (store ? store.getItem(key) : memory.get(key) ?? null),
    set: (key, value) => (store ? store.setItem(key, value) : memory.set(key, value)),
    remove: (key) => (store ? store.removeItem(key) : memory.delete(key)),
  };
}
