// The real servers the browser tests talk to, run by the project's one supervisor
// (`python -m supervisor`, supervisor/__main__.py): the same start-up, readiness checks
// and process-group stops as `make run`, the e2e runner and the channel tests.
import { execFile, execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { request } from "node:http";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);

export const WIDGET = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const REPO = resolve(WIDGET, "..");
/** The project's Python (`PY`, default the repository's .venv): the servers, the domain. */
export const PYTHON = resolve(REPO, process.env.PY || ".venv/bin/python");

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Servers started through `python -m supervisor`, remembered in `stateFile`. */
export class Supervisor {
  constructor({ python, repo, logDir, env = process.env }) {
    Object.assign(this, { python, repo, logDir, env });
    this.stateFile = join(logDir, "servers.json");
    this.assistantOptions = null;
    // Whatever happens to the test process, its servers do not outlive it.
    process.on("exit", () => this.stopSync());
    for (const signal of ["SIGINT", "SIGTERM"]) {
      process.on(signal, () => process.exit(130));
    }
  }

  async call(args, { timeoutS = 900 } = {}) {
    try {
      return await run(this.python, ["-m", "supervisor", ...args], {
        cwd: this.repo,
        env: { ...this.env, RASA_TELEMETRY_ENABLED: "false" },
        timeout: timeoutS * 1000,
        maxBuffer: 16 * 1024 * 1024,
      });
    } catch (error) {
      throw new Error(`python -m supervisor ${args[0]} failed:\n${error.stderr || error.message}`);
    }
  }

  /** Starts the action server and Rasa; resolves once Rasa has loaded the model. */
  async startAssistant({ model, rasaPort, actionsPort, token, credentials, endpoints, env = {}, timeoutS }) {
    const args = ["start", "--state-file", this.stateFile, "--log-dir", this.logDir];
    args.push("--model", model, "--rasa-port", String(rasaPort), "--actions-port", String(actionsPort));
    args.push("--token", token, "--credentials", credentials, "--endpoints", endpoints);
    args.push("--timeout", String(timeoutS));
    for (const [name, value] of Object.entries(env)) args.push("--env", `${name}=${value}`);
    await this.call(args, { timeoutS: timeoutS + 60 });
  }

  /** Starts one more server; resolves once `waitUrl` answers 200. */
  async spawn(name, command, { waitUrl, timeoutS = 60 }) {
    await this.call(["spawn", "--state-file", this.stateFile, "--wait", waitUrl, "--timeout", String(timeoutS), name, "--", ...command]);
  }

  /** Stops Rasa (`kill`: as a crash would) without starting it again. */
  async stopRasa({ kill = false } = {}) {
    await this.call(["restart-rasa", "--state-file", this.stateFile, "--down", ...(kill ? ["--kill"] : [])]);
  }

  /** Starts Rasa again with the same configuration; resolves once it answers. */
  async startRasa({ timeoutS }) {
    await this.call(["restart-rasa", "--state-file", this.stateFile, "--timeout", String(timeoutS)], { timeoutS: timeoutS + 60 });
  }

  /** Whether the server `name` runs. */
  alive(name) {
    try {
      const pid = JSON.parse(readFileSync(this.stateFile, "utf8")).pids[name];
      if (!pid) return false;
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }

  tail(name, lines = 40) {
    try {
      return readFileSync(join(this.logDir, `${name}.log`), "utf8").split("\n").slice(-lines).join("\n");
    } catch {
      return "";
    }
  }

  async stopAll() {
    await this.call(["stop", "--state-file", this.stateFile]);
  }

  stopSync() {
    try {
      execFileSync(this.python, ["-m", "supervisor", "stop", "--state-file", this.stateFile], { cwd: this.repo, stdio: "ignore" });
    } catch {
      // nothing left to stop
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
