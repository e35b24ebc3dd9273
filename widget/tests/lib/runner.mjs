// A tiny sequential test runner: prints one line per test and ends with "N passed, M failed".

const tests = [];

/**
 * Registers a test.
 * @param {string} name
 * @param {() => Promise<void>|void} fn
 * @param {{timeoutMs?: number}} [options]
 */
export function test(name, fn, { timeoutMs = 180_000, always = false } = {}) {
  tests.push({ name, fn, timeoutMs, always });
}

function withTimeout(promise, ms, name) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms / 1000} s: ${name}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Runs every registered test in order and prints the summary.
 * `only` (a RegExp) keeps the tests whose names match, plus those registered with `always`.
 * @param {{onFailure?: (name: string) => Promise<void>, only?: RegExp}} [options]
 * @returns {Promise<{passed: number, failed: number}>}
 */
export async function run({ onFailure, only } = {}) {
  let passed = 0;
  let failed = 0;
  const selected = tests.filter((t) => !only || t.always || only.test(t.name));
  for (const { name, fn, timeoutMs } of selected) {
    const started = Date.now();
    try {
      await withTimeout(Promise.resolve().then(fn), timeoutMs, name);
      passed += 1;
      console.log(`ok - ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    } catch (error) {
      failed += 1;
      console.log(`not ok - ${name}`);
      const detail = error && error.stack && !error.brief ? error.stack : String(error && error.message ? error.message : error);
      console.log(detail.replace(/^/gm, "    "));
      if (onFailure) await onFailure(name).catch(() => {});
    }
  }
  console.log(`${passed} passed, ${failed} failed`);
  return { passed, failed };
}
