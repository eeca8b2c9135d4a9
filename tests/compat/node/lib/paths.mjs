import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const packageRoot = path.resolve(here, '..');
export const repoRoot = path.resolve(here, '../../../..');
/** The wire spec: shared/ sits beside the repository root (../shared/spec relative to it). */
export const specPath = process.env.THREADLINE_SPEC ?? path.resolve(repoRoot, '../shared/spec/assistants-v2.openapi.yaml');
/** The Responses and Conversations spec, beside it. */
export const responsesSpecPath = path.resolve(path.dirname(specPath), 'responses-conversations.openapi.yaml');
