// Module resolution hooks (module.register): a bare specifier that an ES module cannot resolve
// from its own node_modules is tried from fogbank's package folders (the NODE_PATH entries that
// CommonJS already searches), as Lambda's runtimes make the AWS SDK for JavaScript v3 available.
let parents = [];

export async function initialize(data) {
  parents = data.parents;
}

function isBare(specifier) {
  return !/^(\.{0,2}\/|[a-zA-Z][a-zA-Z0-9+.-]*:)/.test(specifier);
}

export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !isBare(specifier)) throw error;
    for (const parentURL of parents) {
      try {
        return await nextResolve(specifier, { ...context, parentURL });
      } catch (_) {
        // not there either
      }
    }
    throw error;
  }
}
