// Starts the real Quotaboard server once for the whole run: a free port (the server
// binds port 0 and announces it), a throwaway data directory, the built site.
import { spawn, ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import * as readline from "node:readline";

const repoRoot = path.resolve(__dirname, "..");

/** Resolves with the first capture of `pattern` in the child's stderr. */
function announced(child: ChildProcess, pattern: RegExp, what: string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not start within 30 s`)), 30_000);
    child.once("exit", (code) => reject(new Error(`${what} exited early with ${code}`)));
    readline.createInterface({ input: child.stderr! }).on("line", (line) => {
      if (process.env.E2E_SERVER_LOG) console.error(line);
      const match = line.match(pattern);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const port = (probe.address() as net.AddressInfo).port;
      probe.close(() => resolve(port));
    });
  });
}

async function listening(port: number): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, "127.0.0.1");
      socket.once("connect", () => { socket.destroy(); resolve(true); });
      socket.once("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing listens on ${port}`);
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}

export default async function globalSetup(): Promise<() => Promise<void>> {
  const binary = process.env.E2E_QUOTABOARD_BIN ?? path.join(repoRoot, "target/release/quotaboard");
  const dataDir = mkdtempSync(path.join(tmpdir(), "quotaboard-e2e-"));

  // The vendor simulator and a real SMTP server (Debian's aiosmtpd, Maildir), so the
  // alerts test sees a near-limit key fire and its e-mail delivered.
  const simulator: ChildProcess = spawn(binary, ["simulate", "--addr", "127.0.0.1:0"], {
    cwd: repoRoot,
    env: { ...process.env, QUOTABOARD_LOG: "info" },
    stdio: ["ignore", "inherit", "pipe"],
  });
  const simulatorUrl = await announced(simulator, /simulator listening on (http:\/\/\S+)/, "simulator");
  const smtpPort = await freePort();
  const smtp: ChildProcess = spawn(
    "/usr/bin/python3",
    ["-m", "aiosmtpd", "-n", "-l", `127.0.0.1:${smtpPort}`, "-c", "aiosmtpd.handlers.Mailbox", path.join(dataDir, "maildir")],
    { stdio: ["ignore", "inherit", "inherit"] },
  );
  await listening(smtpPort);

  const server: ChildProcess = spawn(binary, [], {
    cwd: repoRoot,
    env: {
      ...process.env,
      QUOTABOARD_LISTEN_ADDR: "127.0.0.1:0",
      QUOTABOARD_DATA_DIR: dataDir,
      QUOTABOARD_SITE_ROOT: path.join(repoRoot, "target/site"),
      QUOTABOARD_LOG: "info",
      // Look for due keys every 2 s so a new key is polled while the test waits.
      QUOTABOARD_POLL_SCHEDULE: "*/2 * * * * *",
      QUOTABOARD_SMTP_HOST: "127.0.0.1",
      QUOTABOARD_SMTP_PORT: String(smtpPort),
      QUOTABOARD_SMTP_SECURITY: "none",
      QUOTABOARD_SMTP_FROM: "Quotaboard <quota@example.test>",
    },
    stdio: ["ignore", "inherit", "pipe"],
  });
  const baseUrl = await announced(server, /listening on (http:\/\/\S+)/, "server");
  // Workers start after global setup and inherit these.
  process.env.E2E_BASE_URL = baseUrl;
  process.env.E2E_SIMULATOR_URL = simulatorUrl;
  process.env.E2E_MAILDIR = path.join(dataDir, "maildir");

  return async () => {
    await stop(server);
    await stop(smtp);
    await stop(simulator);
    rmSync(dataDir, { recursive: true, force: true });
  };
}
