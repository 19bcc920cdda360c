/** fontkit ships no types; faces.ts describes the part of a font it reads. */
declare module "fontkit" {
  export function create(bytes: Uint8Array): unknown;
}
