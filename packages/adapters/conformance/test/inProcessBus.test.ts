import { InProcessEventBus } from '@threadline/core';
import { describe, expect, it } from 'vitest';
import { busSuite } from '../src/index.js';

// Core's in-process bus is the reference EventBus; it runs the published suite here.
busSuite({
  describe,
  it,
  expect,
  name: 'InProcessEventBus conformance',
  createBus: () => new InProcessEventBus(),
});
