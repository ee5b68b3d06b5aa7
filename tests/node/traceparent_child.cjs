// SPDX-License-Identifier: MIT
// A Node.js program that joins the trace it was started in, as any
// program using OpenTelemetry's SDK would: the W3C propagator reads
// TRACEPARENT from the environment, and two spans ("node work" and its
// child "node step") go to an OTLP/HTTP endpoint in protobuf.
// usage: node traceparent_child.cjs MODULES_DIR URL
const path = require('node:path');
const {createRequire} = require('node:module');

const [modules, url] = process.argv.slice(2);
const need = createRequire(path.join(modules, 'package.json'));
const api = need('@opentelemetry/api');
const {W3CTraceContextPropagator} = need('@opentelemetry/core');
const {resourceFromAttributes} = need('@opentelemetry/resources');
const {BasicTracerProvider, SimpleSpanProcessor} = need('@opentelemetry/sdk-trace-base');
const {OTLPTraceExporter} = need('@opentelemetry/exporter-trace-otlp-proto');

async function main() {
  if (!process.env.TRACEPARENT) throw new Error('no TRACEPARENT in the environment');
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({'service.name': 'node-child'}),
    spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({url}))],
  });
  const parent = new W3CTraceContextPropagator().extract(
    api.ROOT_CONTEXT, {traceparent: process.env.TRACEPARENT}, api.defaultTextMapGetter);
  const tracer = provider.getTracer('traceparent_child');
  const work = tracer.startSpan('node work', {}, parent);
  const step = tracer.startSpan('node step', {}, api.trace.setSpan(parent, work));
  step.end();
  work.end();
  await provider.forceFlush();
  await provider.shutdown();
  console.log(`node work ${work.spanContext().spanId} under ${process.env.TRACEPARENT}`);
}

main().catch(e => {
  console.error(`traceparent_child: ${e.message}`);
  process.exit(1);
});
