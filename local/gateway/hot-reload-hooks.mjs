// Node.js module hooks (registered by hot-reload.ts) that make a hot re-import fresh all the way down:
// a module imported with `?local-gateway-hot=N` passes N on to every local file it imports (not to
// node_modules, whose instances stay shared), so each generation is a new copy of the handler's own
// code. Every file of a generation is reported back so the main thread can watch it for changes.
const PARAM = 'local-gateway-hot';
let port;

export function initialize(data) {
  port = data.port;
}

function generationOf(url) {
  if (!url || !url.includes(PARAM)) return undefined;
  return new URL(url).searchParams.get(PARAM) ?? undefined;
}

export async function resolve(specifier, context, nextResolve) {
  const result = await nextResolve(specifier, context);
  const own = generationOf(result.url);
  if (own !== undefined) {
    port?.postMessage({ url: result.url, generation: own });
    return result;
  }
  const inherited = generationOf(context.parentURL);
  if (inherited === undefined || !result.url.startsWith('file:') || result.url.includes('/node_modules/')) return result;
  const url = new URL(result.url);
  url.searchParams.set(PARAM, inherited);
  port?.postMessage({ url: url.href, generation: inherited });
  return { ...result, url: url.href };
}
