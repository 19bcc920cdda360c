import type { GetPromptResult } from "@modelcontextprotocol/sdk/types.js";
import { TOOLS } from "./tools.ts";

/** The tools the submission prompt chains, in order; each must exist (a contract test checks it). */
export const PREPARE_SUBMISSION_CHAIN = ["classify_business", "create_submission", "get_quote_readiness"] as const;

interface PromptDefinition {
  name: string;
  title: string;
  description: string;
  arguments: { name: string; description: string; required: boolean }[];
  render: (args: Record<string, string>) => GetPromptResult;
}

const has = (name: string) => TOOLS.some((t) => t.name === name);

export const PROMPTS: PromptDefinition[] = [
  {
    name: "prepare_submission",
    title: "Prepare a submission from a description",
    description: "Classify a business from a description of it, create its submission, and report what the submission still needs before it can be quoted.",
    arguments: [
      { name: "description", description: "What the business does, in the insured's or broker's words.", required: true },
      { name: "state", description: "The risk's US state (two letters), if known.", required: false },
    ],
    render: ({ description, state }) => {
      const [classify, create, readiness] = PREPARE_SUBMISSION_CHAIN;
      const steps = [
        has(classify)
          ? `1. Call \`${classify}\` with this description and pick the NAICS code that fits best (tell the user the top candidates and their scores).`
          : "1. Choose the NAICS code that fits the description best.",
        `2. Call \`${create}\` with the insured's name, that NAICS code${state ? `, state ${state}` : ""} and what the description says about revenue, employees and limits; ask the user for anything required that it does not say. Pass an idempotencyKey.`,
        `3. Call \`${readiness}\` with the new submission's id and list for the user every field still missing before a quote, and what each is for.`,
      ];
      return {
        description: "Classify → create → quote readiness",
        messages: [
          {
            role: "user",
            content: { type: "text", text: `Prepare an insurance submission for this business:\n\n${description}\n\nSteps:\n${steps.join("\n")}` },
          },
        ],
      };
    },
  },
];

/** A prompt with its arguments filled, or why it cannot be. */
export function renderPrompt(name: string, args: Record<string, string>): { ok: true; value: GetPromptResult } | { ok: false; message: string } {
  const prompt = PROMPTS.find((p) => p.name === name);
  if (!prompt) return { ok: false, message: `Unknown prompt: ${name}` };
  const missing = prompt.arguments.filter((a) => a.required && !args[a.name]?.trim()).map((a) => a.name);
  if (missing.length) return { ok: false, message: `Prompt ${name} needs the argument${missing.length > 1 ? "s" : ""} ${missing.join(", ")}` };
  return { ok: true, value: prompt.render(args) };
}
