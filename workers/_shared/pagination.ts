/**
 * Opaque cursors for `{data, nextCursor}` lists, keyed on (createdAt, id) so pages are stable
 * under concurrent inserts. The cursor is base64url JSON; clients must treat it as opaque.
 */
export interface Cursor {
  createdAt: string;
  id: string;
}

export interface PageQuery {
  limit?: number;
  cursor?: string;
  sort?: "createdAt" | "-createdAt";
}

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

export const DEFAULT_PAGE_SIZE = 25;
export const MAX_PAGE_SIZE = 100;

export function encodeCursor(c: Cursor): string {
  return btoa(JSON.stringify([c.createdAt, c.id])).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Decodes a cursor; null when it is not one of ours (the caller answers 400). */
export function decodeCursor(raw: string): Cursor | null {
  try {
    const json = atob(raw.replace(/-/g, "+").replace(/_/g, "/"));
    const parsed: unknown = JSON.parse(json);
    if (Array.isArray(parsed) && parsed.length === 2 && typeof parsed[0] === "string" && typeof parsed[1] === "string") {
      return { createdAt: parsed[0], id: parsed[1] };
    }
    return null;
  } catch {
    return null;
  }
}

export function pageSize(limit: number | undefined): number {
  return Math.min(Math.max(limit ?? DEFAULT_PAGE_SIZE, 1), MAX_PAGE_SIZE);
}

/** Given `limit + 1` fetched rows, cut to a page and compute the next cursor. */
export function toPage<Row extends { id: string; createdAt: string }, T>(
  rows: Row[],
  limit: number,
  map: (row: Row) => T,
): Page<T> {
  const hasMore = rows.length > limit;
  const slice = hasMore ? rows.slice(0, limit) : rows;
  const last = slice[slice.length - 1];
  return {
    data: slice.map(map),
    nextCursor: hasMore && last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null,
  };
}
