/**
 * A few held-out files of the committed classifier corpus (test/fixtures/classifier-corpus, split
 * `heldout` in its manifest: never trained on), inlined by Vite so tests inside workerd can send them.
 */
import acord25 from "../fixtures/classifier-corpus/acord_25-04.pdf?inline";
import claimForm from "../fixtures/classifier-corpus/claim_form-08.pdf?inline";
import declarations from "../fixtures/classifier-corpus/policy_declarations-12.pdf?inline";
import endorsement from "../fixtures/classifier-corpus/endorsement-16.pdf?inline";
import lossRun from "../fixtures/classifier-corpus/loss_run-04.pdf?inline";
import photo from "../fixtures/classifier-corpus/photo-04.jpg?inline";
import policeReport from "../fixtures/classifier-corpus/police_report-20.pdf?inline";
import scan from "../fixtures/classifier-corpus/other-04.pdf?inline";
import flattenedAcord125 from "../fixtures/classifier-corpus/acord_125-12.pdf?inline";
import invoice from "../fixtures/classifier-corpus/invoice-08.pdf?inline";
import manifest from "../fixtures/classifier-corpus/manifest.json";

/** The bytes of a `data:` URL. */
export function bytesOf(dataUrl: string): Uint8Array {
  const base64 = dataUrl.slice(dataUrl.indexOf(",") + 1);
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

const FILES: Record<string, string> = {
  "acord_25-04.pdf": acord25,
  "claim_form-08.pdf": claimForm,
  "policy_declarations-12.pdf": declarations,
  "endorsement-16.pdf": endorsement,
  "loss_run-04.pdf": lossRun,
  "photo-04.jpg": photo,
  "police_report-20.pdf": policeReport,
  "other-04.pdf": scan,
  "acord_125-12.pdf": flattenedAcord125,
  "invoice-08.pdf": invoice,
};

/** Each inlined file with its label and split, as the manifest records them. */
export const HELD_OUT = Object.entries(FILES).map(([file, dataUrl]) => {
  const entry = (manifest as { file: string; kind: string; split: string; layout: string }[]).find((e) => e.file === file);
  if (!entry) throw new Error(`${file} is not in the corpus manifest`);
  return { ...entry, bytes: bytesOf(dataUrl) };
});
