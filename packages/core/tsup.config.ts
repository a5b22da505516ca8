import { defineConfig } from 'tsup';

// One entry per public entry point (see `exports` in package.json); shared code lands in chunks.
export default defineConfig({
  entry: {
    index: 'src/index.ts',
    'calendar/index': 'src/calendar/index.ts',
    'channels/index': 'src/channels/index.ts',
    'rules/index': 'src/expression/index.ts',
    'identity/index': 'src/identity/index.ts',
    'context/index': 'src/context/index.ts',
    'governance/index': 'src/governance/index.ts',
    'schemas/index': 'src/schemas/index.ts',
    'ports/index': 'src/ports/index.ts',
    'observability/index': 'src/observability/index.ts',
  },
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  platform: 'node',
});
