/**
 * Writes migrations/market/0002_reference_data.sql from workers/market/data/carriers.json, the
 * committed reference carriers with their products and appetites (money there in major units, in the
 * migration in cents). `--check` fails when the migration differs from what the data file gives, as
 * the market tests also check (test/market/reference-data.test.ts).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { referenceDataSql, type ReferenceData } from "../workers/market/src/reference-data.ts";

const root = join(import.meta.dirname, "..");
const data = JSON.parse(readFileSync(join(root, "workers/market/data/carriers.json"), "utf8")) as ReferenceData;
const target = join(root, "migrations/market/0002_reference_data.sql");
const sql = referenceDataSql(data);
if (process.argv.includes("--check")) {
  const current = readFileSync(target, "utf8");
  if (current !== sql) {
    console.error(`${target} is out of date: run npm run gen:market-data`);
    process.exit(1);
  }
  console.log("market reference data: up to date");
} else {
  writeFileSync(target, sql);
  console.log(`${target}: ${data.carriers.length} carriers`);
}
