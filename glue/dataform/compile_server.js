// Compiles Dataform projects on request, in one long-lived Node process, with the pinned
// @dataform/cli's own compile worker (worker_bundle.js): the code `dataform compile` forks for
// each compilation. Loading the CLI and forking its worker cost about 1.5 s a compile; here they
// are paid once.
//
//   node compile_server.js NODE_MODULES
//   stdin:  one JSON compile config a line: {"projectDir": ..., "projectConfigOverride": {"vars": {...}}}
//   stdout: one JSON line an answer: {"graph": <what `dataform compile --json` prints>} or {"error": {...}}
//
// The worker answers a compile config sent to its "message" listener with the compiled graph as
// a base64 CoreExecutionResponse; this server calls that listener directly and decodes the answer
// with @dataform/core's protos into the JSON form the CLI prints (tests/dataform compare the two).

const path = require("path");
const readline = require("readline");

// stdout carries the answers: what the project's own JavaScript logs goes to stderr.
console.log = console.info = console.debug = console.error;

const modules = process.argv[2];
const protobuf = require(path.join(modules, "protobufjs"));
const protos = protobuf.loadSync(path.join(modules, "@dataform", "core", "core.proto"));
const Response = protos.lookupType("dataform.CoreExecutionResponse");

function workerCompileListener() {
  const listeners = [];
  const on = process.on;
  process.on = function (event, listener) {
    if (event === "message") {
      listeners.push(listener);
      return process;
    }
    return on.call(process, event, listener);
  };
  try {
    require(path.join(modules, "@dataform", "cli", "worker_bundle.js"));
  } finally {
    process.on = on;
  }
  const listener = listeners.find((candidate) => /compile\(compileConfig\)/.test(String(candidate)));
  if (!listener) {
    throw new Error("@dataform/cli's worker_bundle.js has no compile listener: this server needs updating for its version");
  }
  return listener;
}

const compileListener = workerCompileListener();

function compile(config) {
  let answer;
  process.send = (message) => {
    answer = message;
  };
  try {
    compileListener(config);
  } finally {
    delete process.send;
  }
  if (typeof answer !== "string") {
    return { error: answer || { message: "the compile worker gave no answer" } };
  }
  const response = Response.decode(Buffer.from(answer, "base64"));
  return { graph: Response.toObject(response, protobuf.util.toJSONOptions).compile.compiledGraph };
}

readline.createInterface({ input: process.stdin }).on("line", (line) => {
  let reply;
  try {
    reply = compile(JSON.parse(line));
  } catch (error) {
    reply = { error: { message: String(error && error.message), stack: String(error && error.stack) } };
  }
  process.stdout.write(JSON.stringify(reply) + "\n");
});
process.stdout.write(JSON.stringify({ ready: true }) + "\n");
