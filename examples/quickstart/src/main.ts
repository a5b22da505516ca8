import { runDemo } from './demo.js';

console.log('Threadline quickstart — core + in-memory adapter\n');
await runDemo({ log: (line) => console.log(line) });
