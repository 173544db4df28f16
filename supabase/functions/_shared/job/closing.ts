// What every job runs after its own phases, in this order, and the monitors of their queues:
//   1. storage_removal: the objects of the rows deleted leave Storage (each removal audited);
//   2. audit_anchor: the chain heads that the run's (and everyone's) audit events moved leave the
//      database for the external sink. Last, so the removals' own events are anchored too.
import { auditAnchorMonitor, auditAnchorPhase } from "./audit-anchor.ts";
import { storageRemovalMonitor, storageRemovalPhase } from "./storage-removal.ts";

export const closingPhases = [storageRemovalPhase, auditAnchorPhase] as const;
export const closingMonitors = [storageRemovalMonitor, auditAnchorMonitor] as const;
