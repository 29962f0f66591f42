// The embedded SQLite engine against the store contract every engine meets (test/store-contract/).
import { storeContract } from "../../store-contract/contract.js";
import { openSqliteStore } from "../../../src/store/sqlite/index.js";

describe("the store contract on SQLite", () => {
  storeContract((now) => openSqliteStore(":memory:", now));
});
