// Verifies Standard Webhooks signatures with the reference library (npm "standardwebhooks"),
// independently of Threadline's own signing code.
//
// Input (stdin): one JSON object per line:
//   {"secret":"whsec_...","headers":{"webhook-id":"...","webhook-timestamp":"...","webhook-signature":"..."},"body":"<raw body text>"}
//   ("body_base64" may replace "body" to pass the exact bytes.)
// Output (stdout): one line per input line, in order: {"ok":true} or {"ok":false,"error":"..."}.
// Exit code: 0 when every line was read (whatever the verdicts), 2 when the library is not installed.
import { createInterface } from "node:readline";

let Webhook;
try {
  ({ Webhook } = await import("standardwebhooks"));
} catch (e) {
  process.stderr.write(`standardwebhooks is not installed: run "npm ci" in tests/webhook-verifier (${e.message})\n`);
  process.exit(2);
}

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
  if (line.trim() === "") continue;
  let result;
  try {
    const input = JSON.parse(line);
    const body = typeof input.body_base64 === "string" ? Buffer.from(input.body_base64, "base64") : input.body;
    new Webhook(input.secret).verify(body, input.headers);
    result = { ok: true };
  } catch (e) {
    result = { ok: false, error: `${e.name}: ${e.message}` };
  }
  process.stdout.write(JSON.stringify(result) + "\n");
}
