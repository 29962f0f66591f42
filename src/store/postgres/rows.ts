import type { EntryRow as NeutralEntryRow } from "../entry-row.js";

/** A row of `entries` as the queries select it (BIGINT parsed to numbers, database.ts). */
export interface EntryRow extends NeutralEntryRow {
  id: number;
}
