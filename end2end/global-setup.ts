// Starts the real Quotaboard server once for the whole run: a free port (the server
// binds port 0 and announces it), a throwaway data directory, the built site.
import { spawn, ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import * as readline from "node:readline";

const repoRoot = path.resolve(__dirname, "..");

export default async function globalSetup(): Promise<() => Promise<void>> {
  const binary = process.env.E2E_QUOTABOARD_BIN ?? path.join(repoRoot, "target/release/quotaboard");
  const dataDir = mkdtempSync(path.join(tmpdir(), "quotaboard-e2e-"));
  const server: ChildProcess = spawn(binary, [], {
    cwd: repoRoot,
    env: {
      ...process.env,
      QUOTABOARD_LISTEN_ADDR: "127.0.0.1:0",
      QUOTABOARD_DATA_DIR: dataDir,
      QUOTABOARD_SITE_ROOT: path.join(repoRoot, "target/site"),
      QUOTABOARD_LOG: "info",
    },
    stdio: ["ignore", "inherit", "pipe"],
  });

  const baseUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("server did not start within 30 s")), 30_000);
    server.once("exit", (code) => reject(new Error(`server exited early with ${code}`)));
    readline.createInterface({ input: server.stderr! }).on("line", (line) => {
      if (process.env.E2E_SERVER_LOG) console.error(line);
      const match = line.match(/listening on (http:\/\/\S+)/);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
  });
  // Workers start after global setup and inherit this.
  process.env.E2E_BASE_URL = baseUrl;

  return async () => {
    const exited = new Promise((resolve) => server.once("exit", resolve));
    server.kill("SIGTERM");
    await exited;
    rmSync(dataDir, { recursive: true, force: true });
  };
}
