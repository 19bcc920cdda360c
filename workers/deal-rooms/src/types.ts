/**
 * The deal-rooms vocabulary: what the RPC answers (Room, Message, Participant) and the frames of the
 * WebSocket protocol. Plain data only, so everything here survives a service-binding boundary.
 */
import type { DealRoom, DealRoomMessage, DealRoomParticipant, DealRoomParticipantKind } from "#contract/types.gen";
import type { Page } from "#shared/pagination";

/**
 * The shapes the RPC answers are the contract's own (typespec/deal-rooms), so the worker cannot
 * drift from `/openapi.json`. The contract has one participant shape, `joinedAt` optional: an author
 * carries none, and someone online always has it.
 */
export type AuthorKind = DealRoomParticipantKind;

/** Who wrote a message: a user or an API key over a socket or REST, or the platform itself (`name` when known). */
export type Author = Omit<DealRoomParticipant, "joinedAt">;

/** Someone connected to a room now. One entry per actor; `joinedAt` is their earliest open connection's. */
export type Participant = DealRoomParticipant & { joinedAt: string };

export type Message = DealRoomMessage;
export type Room = DealRoom;

/** The inputs cross the binding: the platform's one RPC module (workers/_shared/rpc.ts). */
export type { CreateRoomInput, ListMessagesQuery, ListRoomsQuery, PostMessageInput } from "#shared/rpc";

export type RoomPage = Page<Room>;
export type MessagePage = Page<Message>;

/** Limits shared by REST and socket paths. */
export const LIMITS = {
  nameLength: 200,
  participants: 50,
  participantLength: 200,
  bodyLength: 4000,
  /** A text frame larger than this (UTF-8 bytes) closes the socket with 1009. */
  frameBytes: 16 * 1024,
  actorNameLength: 200,
  /** A socket sending more than this many frames within {@link LIMITS.burstWindowMs} is closed with 1008. */
  burstFrames: 20,
  burstWindowMs: 10_000,
  /** How often, at least, the room re-checks every open socket's credential (its alarm). */
  credentialCheckMs: 60_000,
} as const;

// The socket protocol (JSON text frames).

/** The only frame a client sends (besides the literal "ping", answered "pong" without waking the room). */
export interface ClientMessageFrame {
  type: "message";
  body: string;
}

export type ServerFrame =
  | { type: "welcome"; roomId: string; participant: Participant; online: Participant[] }
  | { type: "presence"; event: "join" | "leave"; participant: Participant; online: Participant[] }
  | { type: "message"; message: Message }
  | { type: "error"; code: "invalid_frame" | "insufficient_scope"; message: string };
