/**
 * Safe rendering of message text.
 *
 * Bot and user text is never parsed as HTML. The only markup understood is:
 *   - markdown links whose target is `https://…` or `tel:<digits>`;
 *   - bare `https://…` addresses (the clinic's booking URL), linked as they are;
 *   - `**bold**`.
 * Everything else, including links to any other scheme, stays literal text.
 * `tokenize` is pure (usable in Node); `renderInto` builds DOM nodes with
 * `createTextNode` / `textContent` only.
 */

const LINK = /\[([^\]\n]{1,300})\]\(([^()\s]{1,2000})\)/g;
const BOLD = /\*\*([^*\n]{1,500})\*\*/g;
const BARE_URL = /https:\/\/[^\s<>"'()[\]{}]+/g;
const TRAILING_PUNCTUATION = /[.,;:!?]+$/;
const TEL = /^tel:\+?[0-9][0-9().-]{0,30}$/;

/**
 * Returns the link target if it is one the widget will render as a link.
 * @param {string} href
 * @returns {string|null}
 */
export function safeHref(href) {
  if (TEL.test(href)) return href;
  if (!href.startsWith("https://")) return null;
  try {
    const url = new URL(href);
    return url.protocol === "https:" ? url.href : null;
  } catch {
    return null;
  }
}

function splitBareUrls(text) {
  const tokens = [];
  let last = 0;
  for (const match of text.matchAll(BARE_URL)) {
    const url = match[0].replace(TRAILING_PUNCTUATION, "");
    const href = safeHref(url);
    if (href === null) continue;
    if (match.index > last) tokens.push({ type: "text", text: text.slice(last, match.index) });
    tokens.push({ type: "link", text: url, href });
    last = match.index + url.length;
  }
  if (last < text.length) tokens.push({ type: "text", text: text.slice(last) });
  return tokens;
}

function splitBold(text) {
  const tokens = [];
  let last = 0;
  for (const match of text.matchAll(BOLD)) {
    if (match.index > last) tokens.push(...splitBareUrls(text.slice(last, match.index)));
    tokens.push({ type: "strong", text: match[1] });
    last = match.index + match[0].length;
  }
  if (last < text.length) tokens.push(...splitBareUrls(text.slice(last)));
  return tokens;
}

/**
 * Splits message text into text, strong and link tokens.
 * @param {string} text
 * @returns {Array<{type: "text"|"strong"|"link", text: string, href?: string}>}
 */
export function tokenize(text) {
  const tokens = [];
  let last = 0;
  for (const match of text.matchAll(LINK)) {
    const href = safeHref(match[2]);
    if (href === null) continue; // stays literal text
    if (match.index > last) tokens.push(...splitBold(text.slice(last, match.index)));
    tokens.push({ type: "link", text: match[1].replace(/\*\*/g, ""), href });
    last = match.index + match[0].length;
  }
  if (last < text.length) tokens.push(...splitBold(text.slice(last)));
  return tokens;
}

/**
 * Appends the rendered text to `parent`, safely.
 * @param {HTMLElement} parent
 * @param {string} text
 */
export function renderInto(parent, text) {
  const doc = parent.ownerDocument;
  for (const token of tokenize(text)) {
    if (token.type === "text") {
      parent.appendChild(doc.createTextNode(token.text));
    } else if (token.type === "strong") {
      const strong = doc.createElement("strong");
      strong.textContent = token.text;
      parent.appendChild(strong);
    } else {
      const link = doc.createElement("a");
      link.textContent = token.text;
      link.href = token.href;
      if (token.href.startsWith("https:")) {
        link.target = "_blank";
        link.rel = "noopener noreferrer";
      }
      parent.appendChild(link);
    }
  }
}

/**
 * The text a person reads, with markup removed (for comparisons and labels).
 * @param {string} text
 * @returns {string}
 */
export function plainText(text) {
  return tokenize(text)
    .map((token) => token.text)
    .join("");
}
