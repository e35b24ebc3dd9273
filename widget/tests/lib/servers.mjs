// Starting and stopping the real servers the browser tests talk to.
import { spawn } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { request } from "node:http";

const running = new Set();

function killGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

// Whatever happens to the test process, its servers do not outlive it.
process.on("exit", () => {
  for (const service of running) killGroup(service.child.pid, "SIGKILL");
});
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => process.exit(130));
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** One server process (in its own process group), logging to a file. */
export class Service {
  constructor(name, command, args, { cwd, env, logFile }) {
    Object.assign(this, { name, command, args, cwd, env, logFile });
    this.child = null;
    this.exited = null;
  }

  start() {
    const log = openSync(this.logFile, "a");
    this.child = spawn(this.command, this.args, {
      cwd: this.cwd,
      env: this.env,
      stdio: ["ignore", log, log],
      detached: true,
    });
    closeSync(log);
    running.add(this);
    this.exited = new Promise((resolve) => {
      this.child.once("exit", (code, signal) => {
        running.delete(this);
        resolve({ code, signal });
      });
    });
    return this;
  }

  get alive() {
    return running.has(this);
  }

  /** Stops the process group: `signal` first, SIGKILL if it is still there after 15 s. */
  async stop(signal = "SIGTERM") {
    if (!this.child || !this.alive) return;
    killGroup(this.child.pid, signal);
    const stopped = await Promise.race([this.exited, sleep(15_000).then(() => null)]);
    if (stopped === null) {
      killGroup(this.child.pid, "SIGKILL");
      await this.exited;
    }
  }

  tail(lines = 40) {
    try {
      return readFileSync(this.logFile, "utf8").split("\n").slice(-lines).join("\n");
    } catch {
      return "";
    }
  }
}

/**
 * GETs `url`; resolves {status, body}, or null if nothing answers.
 * @param {string} url
 * @param {Record<string, string>} [headers]
 */
export function httpGet(url, headers = {}) {
  return new Promise((resolve) => {
    const req = request(url, { method: "GET", headers, timeout: 5000 }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode, body }));
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(null));
    req.end();
  });
}

/** Waits until `url` answers 200, failing early if `service` dies. */
export async function waitForHttp(url, { service, timeoutMs }) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const response = await httpGet(url);
    if (response && response.status === 200) return;
    if (service && !service.alive) {
      throw new Error(`${service.name} exited while starting:\n${service.tail()}`);
    }
    await sleep(1000);
  }
  throw new Error(`${url} did not answer within ${timeoutMs / 1000} s${service ? `:\n${service.tail()}` : ""}`);
}
