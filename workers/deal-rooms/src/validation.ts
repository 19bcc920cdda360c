/**
 * Input rules shared by the REST path (DealRoomsService) and the socket path (DealRoom frames),
 * so a message is accepted or refused the same way whichever way it arrives.
 */
import { invalid, ok, type Result } from "#shared/errors";
import { isId } from "#shared/ids";
import { textIssue } from "#shared/input";
import { LIMITS, type CreateRoomInput } from "./types.ts";

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** A message body: a string of 1..4000 characters that is not only whitespace. Stored as sent. */
export function parseBody(body: unknown): Result<string> {
  if (typeof body !== "string") return invalid("body", "string", "body must be a string");
  if (body.trim().length === 0) return invalid("body", "min_length", "body must not be empty");
  if (body.length > LIMITS.bodyLength) return invalid("body", "max_length", `body must be at most ${LIMITS.bodyLength} characters`);
  // The platform's character rules (#shared/input), for frames that never pass the gateway's body check.
  const issue = textIssue(body, "body", true);
  if (issue) return invalid(issue.field, issue.rule, issue.message);
  return ok(body);
}

export interface ParsedRoomInput {
  name: string;
  submissionId: string | null;
  participants: string[];
}

/** Validates a new room; the creator is added to the participants (first), duplicates dropped. */
export function parseCreateRoom(input: CreateRoomInput, creatorId: string): Result<ParsedRoomInput> {
  if (!isObject(input)) return invalid("body", "object", "body must be an object");
  const { name, submissionId, participants } = input;

  if (typeof name !== "string") return invalid("name", "string", "name must be a string");
  const trimmed = name.trim();
  if (trimmed.length === 0) return invalid("name", "min_length", "name must not be empty");
  if (trimmed.length > LIMITS.nameLength) return invalid("name", "max_length", `name must be at most ${LIMITS.nameLength} characters`);

  if (submissionId !== undefined && submissionId !== null && (typeof submissionId !== "string" || !isId("sub", submissionId))) {
    return invalid("submissionId", "id", "submissionId must be a submission id (sub_…)");
  }

  const list = participants ?? [];
  if (!Array.isArray(list)) return invalid("participants", "array", "participants must be an array of strings");
  if (list.length > LIMITS.participants) return invalid("participants", "max_items", `participants may list at most ${LIMITS.participants} entries`);
  const unique = new Set<string>([creatorId]);
  for (const p of list) {
    if (typeof p !== "string") return invalid("participants", "string", "each participant must be a string");
    const entry = p.trim();
    if (entry.length === 0 || entry.length > LIMITS.participantLength) {
      return invalid("participants", "length", `each participant must be 1..${LIMITS.participantLength} characters`);
    }
    unique.add(entry);
  }
  return ok({ name: trimmed, submissionId: submissionId ?? null, participants: [...unique] });
}
