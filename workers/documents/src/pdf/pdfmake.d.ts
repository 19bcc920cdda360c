/**
 * The slice of pdfmake's browser build the platform uses. (@types/pdfmake pulls Node's and the DOM's
 * global types into every worker, so the few signatures are declared here instead.)
 */
declare module "pdfmake/build/pdfmake" {
  import type { TDocumentDefinitions } from "./pdf-definition.ts";
  interface CreatedPdf {
    getBuffer(): Promise<ArrayBuffer | Uint8Array>;
  }
  const pdfmake: {
    createPdf(definition: TDocumentDefinitions): CreatedPdf;
    addVirtualFileSystem(vfs: Record<string, string>): void;
    setFonts(fonts: Record<string, { normal: string; bold: string; italics: string; bolditalics: string }>): void;
    setUrlAccessPolicy(allow: (url: string) => boolean): void;
  };
  export default pdfmake;
}

declare module "pdfmake/build/vfs_fonts" {
  /** File name → base64 TrueType bytes (Roboto in four faces). */
  const vfs: Record<string, string>;
  export default vfs;
}
