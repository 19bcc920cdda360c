/** Vite's `?inline` import: the file as a `data:` URL (base64), how tests inside workerd read committed binary fixtures. */
declare module "*?inline" {
  const dataUrl: string;
  export default dataUrl;
}

/** Vite's `?raw` import: a committed text file's content (the market tests compare a generated migration with its source). */
declare module "*?raw" {
  const text: string;
  export default text;
}
