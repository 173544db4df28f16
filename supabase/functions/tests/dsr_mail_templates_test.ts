// The data-subject request notices render from references, codes and the signed receipt only,
// and refuse parameters that do not fit them.
import assert from "node:assert/strict";
import { render } from "../mail-sender/templates.ts";

Deno.test("data_export_ready names the reference and the expiry, and no link", () => {
  const mail = render("data_export_ready", {
    reference: "DSR-0123456789AB",
    expires_at: "2026-12-07T10:00:00+00:00",
  });
  assert.equal(mail.subject, "Your Cluso data export is ready (DSR-0123456789AB)");
  assert.ok(mail.text.includes("before 2026-12-07 10:00 UTC"), mail.text);
  assert.ok(!mail.text.includes("http"), "the link is fetched signed in, never mailed");
  assert.throws(() => render("data_export_ready", { reference: "x", expires_at: "soon" }));
});

Deno.test("dsr_receipt carries the signed document as JSON", () => {
  const receipt = { format: "cluso.dsr-receipt.v1", request: "DSR-0123456789AB" };
  const params = {
    reference: "DSR-0123456789AB",
    receipt,
    signature: "A".repeat(86),
    key_id: "0123456789abcdef",
  };
  const mail = render("dsr_receipt", params);
  assert.equal(mail.subject, "Receipt for your data request DSR-0123456789AB");
  const json = mail.text.slice(mail.text.indexOf("{"), mail.text.lastIndexOf("}") + 1);
  assert.deepEqual(JSON.parse(json), {
    alg: "Ed25519",
    key_id: params.key_id,
    receipt,
    signature: params.signature,
  });
  assert.throws(() => render("dsr_receipt", { ...params, signature: "short" }));
});
