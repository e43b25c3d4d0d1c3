import { BenchPart } from '../part';
import { hotReadPart } from './hot-read';
import { ingestPart } from './ingest';

/** Every part, in the order `npm run bench` runs them; add a part here to have it run. */
export const PARTS: readonly BenchPart[] = [ingestPart, hotReadPart];
