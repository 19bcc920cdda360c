/** The Scalar browser bundle, imported as text (wrangler.toml `[[rules]] type = "Text"`). */
declare module "#docs/scalar-standalone.js" {
  const source: string;
  export default source;
}
