/**
 * The zod fields the invoice and notice templates share: bounded text, calendar dates, money in USD
 * major units, and a party (a name with its address lines). Bounds follow the contract's input rules:
 * every string has a length, money has at most two decimals and lies from 0 to 1,000,000,000.00.
 */
import { z } from "zod";
import { isValidDate } from "#shared/dates";
import { INPUT_RULES } from "#shared/input";
import { toCents } from "#shared/money";

/** A string of 1 to `max` characters (blank strings were already dropped at the door, so read as missing). */
export const text = (max: number) => z.string().min(1).max(max);

/** A calendar day, `YYYY-MM-DD`. */
export const isoDate = z.string().refine((value) => /^\d{4}-\d{2}-\d{2}$/.test(value) && isValidDate(value), { message: "must be a calendar date (YYYY-MM-DD)", params: { rule: "date" } });

/** USD major units, at most two decimals (never rounded), 0 to 1,000,000,000.00. */
export const money = z
  .number()
  .min(0)
  .max(INPUT_RULES.maxMoney)
  .refine((value) => toCents(value) !== null, { message: "must be an amount with at most two decimals (it is never rounded)", params: { rule: "money_precision" } });

/** Address lines as printed, top to bottom. */
export const addressLines = z.array(text(200)).min(1).max(6);

/** Who a document is from or to. */
export const party = z.strictObject({
  name: text(200),
  address: addressLines.optional(),
});

export type Party = z.infer<typeof party>;

/** A party as the lines of a {@link fieldBox}. */
export const partyLines = (p: Party): string[] => [p.name, ...(p.address ?? [])];
