// A Quotaboard of its own in demo mode for one spec file: the real app polling the
// built-in vendor simulator, with the demo admin (demo@quotaboard.example). Its own
// data directory, so the shared server's first-run setup and settings are untouched.
import { spawn, ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import * as readline from "node:readline";

const repoRoot = path.resolve(__dirname, "../..");

export const DEMO_EMAIL = "demo@quotaboard.example";
export const DEMO_PASSWORD = "quotaboard-demo";

export interface DemoServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  stop(): Promise<void>;
}

export async function startDemo(): Promise<DemoServer> {
  const binary = process.env.E2E_QUOTABOARD_BIN ?? path.join(repoRoot, "target/release/quotaboard");
  const dataDir = mkdtempSync(path.join(tmpdir(), "quotaboard-e2e-demo-"));
  const server: ChildProcess = spawn(binary, ["demo", "--data-dir", dataDir, "--simulator-addr", "127.0.0.1:0"], {
    cwd: repoRoot,
    env: {
      ...process.env,
      QUOTABOARD_LISTEN_ADDR: "127.0.0.1:0",
      QUOTABOARD_SITE_ROOT: path.join(repoRoot, "target/site"),
      QUOTABOARD_LOG: "info",
    },
    stdio: ["ignore", "inherit", "pipe"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("demo did not start within 30 s")), 30_000);
    server.once("exit", (code) => reject(new Error(`demo exited early with ${code}`)));
    readline.createInterface({ input: server.stderr! }).on("line", (line) => {
      if (process.env.E2E_SERVER_LOG) console.error(line);
      const match = line.match(/listening on (http:\/\/\S+)/);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
  });
  return {
    url,
    async stop() {
      if (server.exitCode === null) {
        const exited = new Promise((resolve) => server.once("exit", resolve));
        server.kill("SIGTERM");
        await exited;
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
