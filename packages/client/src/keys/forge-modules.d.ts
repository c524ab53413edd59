// node-forge's own modules, imported one by one by the web key loader (web.ts); @types/node-forge types its index only.
declare module 'node-forge/lib/pki.js';
declare module 'node-forge/lib/forge.js';
