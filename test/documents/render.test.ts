/**
 * render-pdf inside workerd, through the documents worker's RPC as the gateway calls it: each named
 * template and the HTML subset render to a stored `rendered` PDF whose text layer says what was
 * asked, and every rule of the subset, the data schemas and the page limit refuse by name.
 */
import { env, exports } from "cloudflare:workers";
import { extractLinks, getMeta } from "unpdf";
import { describe, expect, it } from "vitest";
import { zRenderTemplateName } from "#contract/zod.gen";
import type { Principal } from "#shared/auth";
import type { RenderDocumentInput } from "#shared/rpc";
import type { DocumentsService } from "../../workers/documents/src/index.ts";
import { objectKey } from "../../workers/documents/src/documents.service.ts";
import { pdfText } from "../../workers/documents/src/pdf/text.ts";
import { templateNamed, TEMPLATES } from "../../workers/documents/src/templates/index.ts";
import { newPrincipal } from "../support/principals.ts";
import { PNG_1X1, pngDataUri, sampleInvoice, sampleNotice } from "../support/render-samples.ts";
import { errorOf, unwrap } from "../support/results.ts";

const rpc = (exports as unknown as { DocumentsService: Service<DocumentsService> }).DocumentsService;
const bucket = (env as unknown as { DOCUMENTS: R2Bucket }).DOCUMENTS;

/** Renders, then reads the stored object back: the record, the bytes and their text layer. */
async function render(p: Principal, input: RenderDocumentInput) {
  const record = unwrap(await rpc.renderDocument(p, input));
  const object = await bucket.get(objectKey(p.orgId, record.id));
  const bytes = new Uint8Array(await object!.arrayBuffer());
  const { text, pages } = await pdfText(bytes);
  return { record, bytes, text, pages };
}

const html = (body: string): RenderDocumentInput => ({ html: body });

describe("named templates", () => {
  it("registers each template under its own name, each a contract name of RenderTemplateName", () => {
    const contractNames: string[] = zRenderTemplateName.options;
    expect(contractNames).toEqual(["certificate", "declarations", "invoice", "notice"]);
    for (const [key, template] of Object.entries(TEMPLATES)) {
      expect(template!.name).toBe(key);
      expect(contractNames).toContain(key);
    }
    expect(Object.keys(TEMPLATES).sort()).toEqual(contractNames);
    expect(templateNamed("__proto__")).toBeUndefined();
  });

  it("renders an invoice: number, dates, parties, lines, credits and the sums in cents", async () => {
    const p = newPrincipal();
    const { record, text, pages } = await render(p, { template: "invoice", data: sampleInvoice() });
    expect(record).toMatchObject({ kind: "rendered", template: "invoice", contentType: "application/pdf", filename: "Invoice INV-2026-000042.pdf", policyId: null });
    expect(pages).toHaveLength(1);
    for (const expected of [
      "INVOICE",
      "Invoice INV-2026-000042",
      "Issued 12/01/2026",
      "Due 12/31/2026",
      "GL-2026-000117",
      "2 of 10",
      "Müller & Søn Bäckerei LLC",
      "Austin, TX 78701",
      "Premium, installment 2",
      "$1,200.50",
      "Installment fee",
      "$35",
      "Return premium, endorsement 3",
      "-$100",
      // 1,200.50 + 35.00 − 100.00 = 1,135.50 total; less 500.00 paid = 635.50 due.
      "$1,135.50",
      "$635.50",
      "Pay by ACH to account 000123456",
      "Harbor Mutual Agency",
    ]) expect(text).toContain(expected);
  });

  it("prints a paid invoice as paid with nothing due, and a void one as owing nothing", async () => {
    const p = newPrincipal();
    const paid = await render(p, { template: "invoice", data: { ...sampleInvoice(), credits: undefined, status: "paid", amountPaid: 1235.5 } });
    expect(paid.text).toMatch(/Status: Paid/);
    expect(paid.text).toMatch(/Amount due \$0/);
    const voided = await render(p, { template: "invoice", data: { ...sampleInvoice(), status: "void", amountPaid: 0 } });
    expect(voided.text).toMatch(/Status: Void/);
    expect(voided.text).toMatch(/Amount due \$0/);
    const overdue = await render(p, { template: "invoice", data: { ...sampleInvoice(), overdue: true } });
    expect(overdue.text).toContain("Open, past due");
  });

  it("renders each kind of notice with its statement, the recipient, the reason and the paragraphs", async () => {
    const p = newPrincipal();
    const { record, text } = await render(p, { template: "notice", data: sampleNotice() });
    expect(record).toMatchObject({ kind: "rendered", template: "notice", filename: "Notice of Cancellation GL-2026-000117.pdf" });
    for (const expected of [
      "NOTICE OF CANCELLATION",
      "Date 12/01/2026",
      "Notice NTC-77",
      "Zoë Ångström",
      "Reno, NV 89501",
      "Policy GL-2026-000117 is cancelled effective 12/15/2026.",
      "Reason: Non-payment of premium",
      "was not paid.",
      "Dana Reyes",
      "Underwriting Manager",
    ]) expect(text).toContain(expected);

    const statements = {
      pending_cancellation: ["NOTICE OF PENDING CANCELLATION", "is scheduled to be cancelled effective 12/15/2026."],
      non_renewal: ["NOTICE OF NON-RENEWAL", "will not be renewed. Coverage ends on 12/15/2026."],
      reinstatement: ["NOTICE OF REINSTATEMENT", "is reinstated effective 12/15/2026."],
    } as const;
    for (const [kind, lines] of Object.entries(statements)) {
      const rendered = await render(p, { template: "notice", data: { ...sampleNotice(), kind } });
      for (const line of lines) expect(rendered.text).toContain(line);
    }
    const general = await render(p, { template: "notice", data: { ...sampleNotice(), kind: "general", effectiveDate: undefined, reason: undefined, subject: "Change of Servicing Office" } });
    expect(general.text).toContain("CHANGE OF SERVICING OFFICE");
    expect(general.text).not.toContain("Effective date:");
    expect(general.text).not.toContain("is cancelled");
    expect(general.record.filename).toBe("Change of Servicing Office GL-2026-000117.pdf");
  });

  it("refuses missing and invalid data with validation_failed naming the field's path and rule", async () => {
    const p = newPrincipal();
    const refused = async (template: "invoice" | "notice", data: unknown) => errorOf(await rpc.renderDocument(p, { template, data } as RenderDocumentInput));
    const { billTo: _billTo, ...noBillTo } = sampleInvoice();
    expect(await refused("invoice", { ...noBillTo, billTo: { address: ["x"] } })).toMatchObject({
      code: "validation_failed",
      message: "Missing required field: data.billTo.name",
      details: { field: "data.billTo.name", rule: "required" },
    });
    expect((await refused("invoice", noBillTo)).details).toMatchObject({ field: "data.billTo", rule: "required" });
    const cases: [string, "invoice" | "notice", unknown, string][] = [
      ["data.lines.0.amount", "invoice", { ...sampleInvoice(), lines: [{ description: "Premium", amount: 10.005 }] }, "money_precision"],
      ["data.lines", "invoice", { ...sampleInvoice(), lines: [] }, "too_small"],
      ["data.status", "invoice", { ...sampleInvoice(), status: "draft" }, "invalid_value"],
      ["data.dueDate", "invoice", { ...sampleInvoice(), dueDate: "2026-11-30" }, "not_before_issue_date"],
      ["data.dueDate", "invoice", { ...sampleInvoice(), dueDate: "2026-02-30" }, "date"],
      ["data.amountPaid", "invoice", { ...sampleInvoice(), amountPaid: 5000 }, "paid_exceeds_total"],
      ["data.colour", "invoice", { ...sampleInvoice(), colour: "red" }, "unknown_field"],
      ["data.effectiveDate", "notice", { ...sampleNotice(), effectiveDate: undefined }, "required"],
      ["data.paragraphs", "notice", { ...sampleNotice(), paragraphs: undefined }, "required"],
      ["data.kind", "notice", { ...sampleNotice(), kind: "eviction" }, "invalid_value"],
    ];
    for (const [field, template, data, rule] of cases) {
      expect((await refused(template, data)).details, field).toMatchObject({ field, rule });
    }
  });

  it("holds template data to the platform's input rules: controls refused, coverage dates in their window", async () => {
    const p = newPrincipal();
    const control = errorOf(await rpc.renderDocument(p, { template: "notice", data: { ...sampleNotice(), policyNumber: "GL\u0000" } }));
    expect(control.details).toMatchObject({ field: "data.policyNumber", rule: "control_character" });
    const window = errorOf(await rpc.renderDocument(p, { template: "notice", data: { ...sampleNotice(), effectiveDate: "2031-01-01" } }));
    expect(window.details).toMatchObject({ field: "data.effectiveDate", rule: "coverage_window" });
  });

  it("refuses an unknown template, template with html, and template without data", async () => {
    const p = newPrincipal();
    const bad = async (input: unknown) => errorOf(await rpc.renderDocument(p, input as RenderDocumentInput)).details;
    expect(await bad({ template: "letterhead", data: {} })).toMatchObject({ field: "template", rule: "enum" });
    expect(await bad({ template: "invoice", data: sampleInvoice(), html: "<p>x</p>" })).toMatchObject({ field: "template", rule: "exclusive" });
    expect(await bad({ template: "invoice" })).toMatchObject({ field: "data", rule: "required" });
    expect(await bad({ html: "<p>x</p>", data: {} })).toMatchObject({ field: "data", rule: "not_allowed" });
    expect(await bad({})).toMatchObject({ field: "template", rule: "required" });
  });

  it("takes the certificate and declarations templates too, naming the first field their data lacks", async () => {
    const p = newPrincipal();
    for (const template of ["certificate", "declarations"] as const) {
      const error = errorOf(await rpc.renderDocument(p, { template, data: {} }));
      expect(error.code).toBe("validation_failed");
      expect(error.details).toMatchObject({ field: expect.stringMatching(/^data\.\w+/), rule: "required" });
    }
  });
});

describe("the HTML subset", () => {
  it("renders headings, a table without tbody, lists, accented text, links and a data: PNG, titled by <title>", async () => {
    const p = newPrincipal();
    const source = `<!doctype html><html><head><title>Loss Control Report</title><meta charset="utf-8"></head><body>
      <h1>Loss control — Café Ñandú</h1>
      <h2 style="color: #1a4fa0">Findings</h2>
      <p>Inspected by <b>Zoë</b> on <i>12/01/2026</i>; see <a href="https://example.com/report">the portal</a>.</p>
      <table>
        <tr><th>Area</th><th>Finding</th><th>Priority</th></tr>
        <tr><td>Kitchen</td><td>Hood suppression tagged</td><td>Low</td></tr>
        <tr><td colspan="2">Exits clear</td></tr>
      </table>
      <ul><li>Replace extinguisher</li><li>Clear égress path</li></ul>
      <ol start="3"><li>Third step</li></ol>
      <p><img src="${PNG_1X1}" width="24" height="24" alt="logo"> Logo above.</p>
      <blockquote>Quoted remark</blockquote><hr><small>Small print</small>
    </body></html>`;
    const { record, text, bytes } = await render(p, html(source));
    expect(record).toMatchObject({ kind: "rendered", template: "html", filename: "Loss Control Report.pdf", contentType: "application/pdf" });
    for (const expected of ["Loss control — Café Ñandú", "Findings", "Inspected by Zoë on 12/01/2026", "the portal", "Area Finding Priority", "Kitchen Hood suppression tagged Low", "Exits clear", "Replace extinguisher", "Clear égress path", "Third step", "Logo above.", "Quoted remark", "Small print"]) {
      expect(text).toContain(expected);
    }
    // The PNG is embedded as an image XObject; the title is the PDF's metadata; the link is an annotation.
    expect(/\/Subtype \/Image/.test(new TextDecoder("latin1").decode(bytes))).toBe(true);
    const meta = await getMeta(new Uint8Array(bytes));
    expect((meta.info as { Title?: string }).Title).toBe("Loss Control Report");
    const { links } = await extractLinks(new Uint8Array(bytes));
    expect(new Set(links)).toEqual(new Set(["https://example.com/report"]));
  });

  it("takes a fragment, names the file after the title given, and keeps text outside the subset's attributes", async () => {
    const p = newPrincipal();
    const { record, text } = await render(p, { html: `<div class="x" data-pdfmake='{"image":"https://evil.test/x.png"}' style="font-family: Comic; image: x; color: red">Plain fragment</div>`, title: "Q4 / summary", filename: "summary" });
    expect(record.filename).toBe("summary.pdf");
    expect(text).toContain("Plain fragment");
    const titled = await render(p, { html: "<p>x</p>", title: "Q4 / summary" });
    expect(titled.record.filename).toBe("Q4 - summary.pdf");
    const closed = await render(p, { html: "<html><body><p>inside</p></body></html><p>after the end</p>" });
    expect(closed.text).toContain("inside");
    expect(closed.text).toContain("after the end");
    const untitled = await render(p, { html: "<p>x</p>" });
    expect(untitled.record.filename).toBe("Document.pdf");
  });

  it("refuses each broken rule by name, the most serious first, with every issue listed", async () => {
    const p = newPrincipal();
    const cases: [string, string, Record<string, string>?][] = [
      ["<p>a</p><script>alert(1)</script>", "no_scripts", { element: "script" }],
      ['<p onclick="x()">a</p>', "no_scripts", { attribute: "onclick" }],
      ['<a href="  java\tscript:alert(1)">x</a>', "no_scripts"],
      ['<p style="width: expression(alert(1))">x</p>', "no_scripts"],
      ['<img src="https://example.com/a.png">', "no_remote_resources", { element: "img", attribute: "src" }],
      ['<img src="//example.com/a.png">', "no_remote_resources"],
      ['<link rel="stylesheet" href="https://example.com/a.css">', "no_remote_resources", { element: "link" }],
      ['<iframe src="https://example.com"></iframe>', "no_remote_resources", { element: "iframe" }],
      ['<object data="x.swf"></object>', "no_remote_resources", { element: "object" }],
      ['<embed src="x.swf">', "no_remote_resources", { element: "embed" }],
      ['<p style="background: URL(https://example.com/a.png)">x</p>', "no_remote_resources"],
      ['<p style="background: u\\72l(x)">x</p>', "no_remote_resources"],
      ["<style>@import 'https://example.com/a.css';</style>", "no_remote_resources"],
      ['<td background="http://example.com/a.png">x</td>', "no_remote_resources"],
      ["<style>p { color: red }</style>", "unsupported_element", { element: "style" }],
      ["<svg><circle r='1'/></svg>", "unsupported_element", { element: "svg" }],
      ["<form><input name='x'></form>", "unsupported_element", { element: "form" }],
      ["<table><p>x</p><tr><td>1</td></tr></table>", "unsupported_element", { element: "p" }],
      ['<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">', "unsupported_image"],
      ['<img src="data:image/png;base64,iVBORw0KGgo=">', "unsupported_image"],
      ['<img src="data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=">', "unsupported_image"],
      ['<img src="logo.png">', "unsupported_image"],
      ["<img>", "unsupported_image"],
      ['<a href="file:///etc/passwd">x</a>', "unsupported_link"],
      ['<a href="#top">x</a>', "unsupported_link"],
      [`${"<div>".repeat(60)}deep${"</div>".repeat(60)}`, "max_depth"],
      [`<table><tr>${"<td>x</td>".repeat(51)}</tr></table>`, "max_table_columns"],
    ];
    for (const [source, rule, where] of cases) {
      const result = await rpc.renderDocument(p, html(source));
      expect(result.ok, source).toBe(false);
      const error = errorOf(result);
      expect(error.code, source).toBe("validation_failed");
      expect(error.details, source).toMatchObject({ field: "html", rule });
      if (where) expect((error.details!.issues as Record<string, unknown>[])[0], source).toMatchObject(where);
    }
    // A client's closing </body></html> does not hide what follows from the checks, nor from the page.
    const after = errorOf(await rpc.renderDocument(p, html("<p>a</p></body></html><script>x()</script>")));
    expect(after.details).toMatchObject({ field: "html", rule: "no_scripts" });
    // Several at once: the script is named first, whatever the order in the document; all are listed.
    const many = errorOf(await rpc.renderDocument(p, html('<svg></svg><img src="https://x.test/a.png"><script>1</script>')));
    expect(many.details).toMatchObject({ rule: "no_scripts" });
    expect((many.details!.issues as { rule: string }[]).map((i) => i.rule)).toEqual(["no_scripts", "no_remote_resources", "unsupported_element"]);
    // Nothing was stored for any of them.
    expect((await bucket.list({ prefix: `orgs/${p.orgId}/` })).objects).toHaveLength(0);
  });

  it("inflates a PNG before pdfmake does: corrupt, short, long or wrongly filtered image data is unsupported_image", async () => {
    const p = newPrincipal();
    const good = await render(p, html(`<p>Red square</p><img src="${await pngDataUri(8, 8)}">`));
    expect(good.text).toContain("Red square");
    const rows = (filter: number, height = 2) => {
      const raw = new Uint8Array(height * (1 + 2 * 4));
      for (let y = 0; y < height; y++) raw[y * 9] = filter;
      return raw;
    };
    const bad: [string, string][] = [
      ["corrupt deflate data", await pngDataUri(2, 2, { idat: new Uint8Array([1, 2, 3, 4, 5, 6]) })],
      ["a row short", await pngDataUri(2, 2, { raw: rows(0, 1) })],
      ["a row too many", await pngDataUri(2, 2, { raw: rows(0, 3) })],
      ["filter byte 9", await pngDataUri(2, 2, { raw: rows(9) })],
      ["over 4 megapixels", await pngDataUri(2100, 2000, { idat: new Uint8Array([0]) })],
    ];
    for (const [what, uri] of bad) {
      const error = errorOf(await rpc.renderDocument(p, html(`<img src="${uri}">`)));
      expect(error.details, what).toMatchObject({ field: "html", rule: "unsupported_image" });
    }
    // And the isolate renders on: a refused image leaves nothing pending.
    expect((await render(p, html("<p>still rendering</p>"))).text).toContain("still rendering");
  });

  it("accepts 256 KiB of HTML to the byte and refuses one byte more as max_html_bytes", async () => {
    const p = newPrincipal();
    const limit = 256 * 1024;
    // A comment pads the document without adding pages; é is two bytes of UTF-8.
    const padded = (bytes: number) => {
      const head = "<p>Über-long padding</p><!--";
      const tail = "-->";
      const fill = bytes - new TextEncoder().encode(head + tail).byteLength;
      return head + "é".repeat(Math.floor(fill / 2)) + "x".repeat(fill % 2) + tail;
    };
    expect(new TextEncoder().encode(padded(limit)).byteLength).toBe(limit);
    const accepted = await render(p, html(padded(limit)));
    expect(accepted.text).toContain("Über-long padding");
    const refused = errorOf(await rpc.renderDocument(p, html(padded(limit + 1))));
    expect(refused.details).toMatchObject({ field: "html", rule: "max_html_bytes", limit });
  });

  it("renders 50 pages and refuses 51 as max_pages, storing nothing", async () => {
    const p = newPrincipal();
    const pages = (n: number) => Array.from({ length: n }, (_, i) => `<h2${i ? ' style="page-break-before: always"' : ""}>Section ${i + 1}</h2><p>Body of section ${i + 1}.</p>`).join("");
    const fifty = await render(p, html(pages(50)));
    expect(fifty.pages).toHaveLength(50);
    expect(fifty.pages[49]).toContain("Section 50");
    const refused = errorOf(await rpc.renderDocument(p, html(pages(51))));
    expect(refused).toMatchObject({ code: "validation_failed", details: { field: "html", rule: "max_pages", limit: 50, pages: 51 } });
    expect((await bucket.list({ prefix: `orgs/${p.orgId}/` })).objects).toHaveLength(1);
    // A render refused midway leaves pdfmake able to render the next request (it once hung here).
    expect((await render(p, html("<p>after the refusal</p>"))).text).toContain("after the refusal");
  });

  it("pads uneven rows and cuts rowspans at the table's end instead of failing", async () => {
    const p = newPrincipal();
    const { text } = await render(p, html('<table><thead><tr><th>A</th><th>B</th><th>C</th></tr></thead><tbody><tr><td rowspan="9">tall</td><td colspan="2">wide</td></tr><tr><td>short</td></tr></tbody></table><table></table><ul></ul>'));
    expect(text).toContain("A B C");
    expect(text).toContain("tall wide");
    expect(text).toContain("short");
  });
});
