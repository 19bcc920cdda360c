/** Vite's `?inline` import: the file as a `data:` URL (base64), how tests inside workerd read committed binary fixtures. */
declare module "*?inline" {
  const dataUrl: string;
  export default dataUrl;
}
