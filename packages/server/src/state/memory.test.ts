import { describeSharedStateConformance } from './conformance.ts';
import { MemorySharedState } from './memory.ts';

describeSharedStateConformance('memory', async () => new MemorySharedState());
