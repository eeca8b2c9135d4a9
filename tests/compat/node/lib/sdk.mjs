// The official `openai` package under test, chosen by OPENAI_PACKAGE ("openai" = v6, "openai-v4" = v4 through an
// npm alias), and a thin adapter that maps one call shape onto each major version's method signatures
// (v4: retrieve(threadId, runId), del(); v6: retrieve(runId, { thread_id }), delete()). The adapter only reorders
// arguments: every call still goes through the SDK's own method, helper, pagination and stream code.
export const packageName = process.env.OPENAI_PACKAGE ?? 'openai';
const mod = await import(packageName);
const { VERSION } = await import(`${packageName}/version`);

export const OpenAI = mod.default;
export const sdkVersion = VERSION;
export const sdkMajor = Number.parseInt(VERSION, 10);
/** Why a test of the Conversations API does not apply to this SDK, or undefined (openai 4.x has no such resource). */
export const noConversations = sdkMajor >= 5 ? undefined : `openai ${VERSION} has no conversations resource`;
export const { APIError, BadRequestError, NotFoundError, InternalServerError, UnprocessableEntityError } = mod;

/**
 * @param {string} baseURL
 * @param {typeof fetch} [fetchImpl] a recording fetch (see harness.mjs)
 */
export function createClient(baseURL, fetchImpl) {
  const client = new OpenAI({
    apiKey: 'test',
    baseURL,
    // A retried 5xx would hide a Prism violation (500) and replay POSTs: surface every error at once.
    maxRetries: 0,
    timeout: 20_000,
    ...(fetchImpl ? { fetch: fetchImpl } : {}),
  });
  const b = client.beta;
  const v6 = sdkMajor >= 5;
  const api = {
    assistants: {
      create: (body, o) => b.assistants.create(body, o),
      retrieve: (id, o) => b.assistants.retrieve(id, o),
      update: (id, body, o) => b.assistants.update(id, body, o),
      del: (id, o) => (v6 ? b.assistants.delete(id, o) : b.assistants.del(id, o)),
      list: (query, o) => b.assistants.list(query, o),
    },
    threads: {
      create: (body, o) => b.threads.create(body, o),
      retrieve: (id, o) => b.threads.retrieve(id, o),
      update: (id, body, o) => b.threads.update(id, body, o),
      del: (id, o) => (v6 ? b.threads.delete(id, o) : b.threads.del(id, o)),
      createAndRun: (body, o) => b.threads.createAndRun(body, o),
      createAndRunPoll: (body, o) => b.threads.createAndRunPoll(body, o),
      createAndRunStream: (body, o) => b.threads.createAndRunStream(body, o),
    },
    messages: {
      create: (t, body, o) => b.threads.messages.create(t, body, o),
      retrieve: (t, m, o) => (v6 ? b.threads.messages.retrieve(m, { thread_id: t }, o) : b.threads.messages.retrieve(t, m, o)),
      update: (t, m, body, o) =>
        v6 ? b.threads.messages.update(m, { thread_id: t, ...body }, o) : b.threads.messages.update(t, m, body, o),
      del: (t, m, o) => (v6 ? b.threads.messages.delete(m, { thread_id: t }, o) : b.threads.messages.del(t, m, o)),
      list: (t, query, o) => b.threads.messages.list(t, query, o),
    },
    runs: {
      create: (t, body, o) => b.threads.runs.create(t, body, o),
      retrieve: (t, r, o) => (v6 ? b.threads.runs.retrieve(r, { thread_id: t }, o) : b.threads.runs.retrieve(t, r, o)),
      update: (t, r, body, o) => (v6 ? b.threads.runs.update(r, { thread_id: t, ...body }, o) : b.threads.runs.update(t, r, body, o)),
      list: (t, query, o) => b.threads.runs.list(t, query, o),
      cancel: (t, r, o) => (v6 ? b.threads.runs.cancel(r, { thread_id: t }, o) : b.threads.runs.cancel(t, r, o)),
      poll: (t, r, o) => (v6 ? b.threads.runs.poll(r, { thread_id: t }, o) : b.threads.runs.poll(t, r, o)),
      createAndPoll: (t, body, o) => b.threads.runs.createAndPoll(t, body, o),
      stream: (t, body, o) => b.threads.runs.stream(t, body, o),
      createAndStream: (t, body, o) => b.threads.runs.createAndStream(t, body, o), // deprecated alias of stream
      submitToolOutputs: (t, r, body, o) =>
        v6 ? b.threads.runs.submitToolOutputs(r, { thread_id: t, ...body }, o) : b.threads.runs.submitToolOutputs(t, r, body, o),
      submitToolOutputsAndPoll: (t, r, body, o) =>
        v6
          ? b.threads.runs.submitToolOutputsAndPoll(r, { thread_id: t, ...body }, o)
          : b.threads.runs.submitToolOutputsAndPoll(t, r, body, o),
      submitToolOutputsStream: (t, r, body, o) =>
        v6
          ? b.threads.runs.submitToolOutputsStream(r, { thread_id: t, ...body }, o)
          : b.threads.runs.submitToolOutputsStream(t, r, body, o),
    },
    steps: {
      list: (t, r, query, o) => (v6 ? b.threads.runs.steps.list(r, { thread_id: t, ...query }, o) : b.threads.runs.steps.list(t, r, query, o)),
      retrieve: (t, r, s, o) =>
        v6 ? b.threads.runs.steps.retrieve(s, { thread_id: t, run_id: r }, o) : b.threads.runs.steps.retrieve(t, r, s, o),
    },
  };
  return { client, api };
}
