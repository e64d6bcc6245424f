// A Turbopack loader for the engine's TypeScript sources, which import each other Node-style
// (`from "./sft.js"` for sft.ts, as NodeNext resolution requires). Turbopack, unlike tsc, tsx and webpack's
// extensionAlias, does not map such a specifier to the .ts file, so this drops the `.js` from relative imports and
// lets the bundler find the .ts file itself.
module.exports = function tsImportSpecifiers(source) {
  return source.replace(/(\bfrom\s+["']\.{1,2}\/[^"']+)\.js(["'])/g, "$1$2");
};
