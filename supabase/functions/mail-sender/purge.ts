// Sent mail holds the recipient's address: it leaves the outbox 30 days after it was sent.
import type { Phase } from "../_shared/job/define.ts";
import { callValue } from "../_shared/private-functions.ts";

export const outboxPurgePhase: Phase<unknown, "mails_purged"> = {
  name: "outbox_purge",
  counts: ["mails_purged"],
  reserveMs: () => 2_000,
  async run({ deps, count }) {
    count("mails_purged", await callValue(deps.sql, "mail_outbox_purge", {}));
  },
};
