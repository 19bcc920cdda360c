/** The slice of html-to-pdfmake (CommonJS, untyped) the HTML subset uses. */
declare module "html-to-pdfmake" {
  import type { Content } from "./pdf-definition.ts";
  interface Options {
    /** Supplies `DOMParser`; the subset passes one that returns the already-checked tree. */
    window: { DOMParser: new () => { parseFromString(html: string, type: string): unknown } };
    defaultStyles?: Record<string, Record<string, unknown> | null>;
    removeTagClasses?: boolean;
    ignoreStyles?: string[];
  }
  function htmlToPdfmake(html: string, options: Options): Content;
  export default htmlToPdfmake;
}
