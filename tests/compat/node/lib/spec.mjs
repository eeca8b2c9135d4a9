// The Assistants v2 spec for the checks: the copy Prism gets (with the ERRATA applied), and ajv validation
// (OpenAPI 3.1 = JSON Schema 2020-12) for what Prism can't see: server-sent events, each checked against the branch
// of the spec's stream-event unions (ThreadStreamEvent, RunStreamEvent, RunStepStreamEvent, MessageStreamEvent,
// ErrorEvent, DoneEvent) whose `event` enum names it, and error bodies (ErrorResponse).
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import Ajv2020 from 'ajv/dist/2020.js';
import { specPath, responsesSpecPath } from './paths.mjs';

const SPEC_ID = 'https://threadline.invalid/assistants-v2.openapi.json';

/**
 * The spec mixes OpenAPI 3.0's `nullable: true` into a 3.1 document (RunObject, CreateRunRequest,
 * CreateThreadAndRunRequest). Under 3.1 `nullable` means nothing and `type: object` rejects null, while the hosted
 * API (and the SDKs' types) send null there. Read it the 3.0 way: the value may also be null.
 */
export function rewriteNullable(node) {
  if (Array.isArray(node)) return node.map(rewriteNullable);
  if (node === null || typeof node !== 'object') return node;
  const out = {};
  for (const [k, v] of Object.entries(node)) out[k] = rewriteNullable(v);
  // allOf: [ {$ref}, { nullable: true } ]  ->  anyOf: [ {allOf: [$ref]}, {type: null} ]
  if (Array.isArray(out.allOf) && out.allOf.some((s) => s && s.nullable === true && Object.keys(s).length === 1)) {
    const rest = out.allOf.filter((s) => !(s && s.nullable === true && Object.keys(s).length === 1));
    delete out.allOf;
    return { ...out, anyOf: [{ allOf: rest }, { type: 'null' }] };
  }
  if (out.nullable === true) {
    delete out.nullable;
    if (typeof out.type === 'string') {
      out.type = [out.type, 'null'];
      if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
      return out;
    }
    const { description, ...schema } = out;
    return { description, anyOf: [schema, { type: 'null' }] };
  }
  return out;
}

/**
 * Errata: where the spec contradicts what the hosted API answered (and so what SDK users rely on), the checks use
 * a corrected copy. Each one is listed in docs/compatibility.md ("Spec issues"). Nothing else is changed.
 */
export const ERRATA = [
  {
    id: 'E1',
    what: 'List*Response first_id / last_id: string -> string | null',
    why: 'an empty list has no first or last id; the hosted API answered null there, as Threadline does',
    apply(doc) {
      for (const name of ['ListAssistantsResponse', 'ListMessagesResponse', 'ListRunsResponse', 'ListRunStepsResponse']) {
        for (const field of ['first_id', 'last_id']) {
          const prop = doc.components.schemas[name].properties[field];
          if (prop.type !== 'string') throw new Error(`erratum E1 no longer applies to ${name}.${field}`);
          prop.type = ['string', 'null'];
        }
      }
    },
  },
];

const doc = parse(readFileSync(specPath, 'utf8'));
// SPEC_ERRATA=off checks against the spec exactly as written (to see what each erratum hides).
if (process.env.SPEC_ERRATA !== 'off') for (const e of ERRATA) e.apply(doc);
const schemas = rewriteNullable(doc.components.schemas);

/**
 * Erratum E-R1 for the Responses spec, in Prism only: its unions are `oneOf`s whose branches overlap (a typed message
 * item is both an EasyInputMessage and an InputMessage; a string is several of them), so any valid request matches
 * more than one branch and Prism refuses it. Read as `anyOf`, which is what the SDKs send and the hosted API takes.
 */
function oneOfAsAnyOf(node) {
  if (Array.isArray(node)) return node.map(oneOfAsAnyOf);
  if (node === null || typeof node !== 'object') return node;
  const out = {};
  for (const [k, v] of Object.entries(node)) out[k === 'oneOf' ? 'anyOf' : k] = oneOfAsAnyOf(v);
  return out;
}

let prismFile;
/**
 * The spec Prism validates against: the Assistants spec with the errata applied, and beside it the Responses and
 * Conversations spec's paths and components (erratum E-R1; the schemas the two share are identical), so that one
 * proxy checks both APIs' traffic. Written as a JSON file once per process.
 */
export function prismSpecFile() {
  if (!prismFile) {
    const dir = mkdtempSync(path.join(tmpdir(), 'threadline-spec-'));
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
    prismFile = path.join(dir, 'assistants-v2.openapi.json');
    const responses = oneOfAsAnyOf(parse(readFileSync(responsesSpecPath, 'utf8')));
    const merged = { ...doc, paths: { ...doc.paths, ...responses.paths }, components: { ...doc.components } };
    for (const [kind, entries] of Object.entries(responses.components)) merged.components[kind] = { ...entries, ...doc.components[kind] };
    writeFileSync(prismFile, JSON.stringify(merged));
  }
  return prismFile;
}

const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
ajv.addSchema({ $id: SPEC_ID, components: { schemas } });

const cache = new Map();
function validatorFor(pointer) {
  let v = cache.get(pointer);
  if (!v) {
    v = ajv.getSchema(`${SPEC_ID}#${pointer}`);
    if (!v) throw new Error(`no schema at ${pointer}`);
    cache.set(pointer, v);
  }
  return v;
}

const EVENT_UNIONS = ['ThreadStreamEvent', 'RunStreamEvent', 'RunStepStreamEvent', 'MessageStreamEvent', 'ErrorEvent', 'DoneEvent'];

/** JSON pointer of the spec branch that declares this event name, or undefined. */
export function eventSchemaPointer(eventName) {
  for (const union of EVENT_UNIONS) {
    const s = schemas[union];
    const branches = s.oneOf ?? [s];
    for (let i = 0; i < branches.length; i++) {
      const ev = branches[i].properties?.event;
      if (ev?.enum?.includes(eventName) || ev?.const === eventName) {
        return s.oneOf ? `/components/schemas/${union}/oneOf/${i}` : `/components/schemas/${union}`;
      }
    }
  }
  return undefined;
}

export function describe(errors) {
  return errors.map((e) => `${e.instancePath || '/'} ${e.message}${e.params ? ' ' + JSON.stringify(e.params) : ''}`).join('; ');
}

/**
 * Validates one server-sent event ({event, data} with data parsed as JSON, or the string "[DONE]").
 * @returns {string[]} the violations (empty when valid)
 */
export function validateEvent(event, data) {
  const pointer = eventSchemaPointer(event);
  if (!pointer) return [`event "${event}" is not declared by the spec`];
  const validate = validatorFor(pointer);
  return validate({ event, data }) ? [] : [`${event}: ${describe(validate.errors)}`];
}

/** Validates a value against components.schemas[name]. @returns {string[]} the violations */
export function validateSchema(name, value) {
  const validate = validatorFor(`/components/schemas/${name}`);
  return validate(value) ? [] : [`${name}: ${describe(validate.errors)}`];
}
