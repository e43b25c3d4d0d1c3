import { cpus, release, totalmem } from 'node:os';

import { Figure } from './part';

export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly node: string;
  readonly os: string;
}

export interface PartResult {
  readonly name: string;
  readonly method: string;
  readonly date: string;
  readonly seconds: number;
  readonly figures: readonly Figure[];
  readonly error?: string;
}

/** One results file per day; parts run again that day replace their earlier results. */
export interface BenchResults {
  readonly date: string;
  readonly machine: Machine;
  readonly parts: PartResult[];
}

export function describeMachine(): Machine {
  return {
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    os: `${process.platform} ${release()}`,
  };
}

export function renderMarkdown(results: BenchResults): string {
  const { machine } = results;
  const lines = [
    '# Benchmarks',
    '',
    `Written by \`npm run bench\` on ${results.date} from \`bench/results/${results.date}.json\`.`,
    '',
    `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB memory, ` +
      `Node ${machine.node}, ${machine.os}. The load generator runs on the same machine.`,
    '',
    'Each figure is measured side by side with its reference in the same run: both sides run ' +
      'the same number of times, alternating which goes first, and the **median** of each side ' +
      'is reported. The ratio is service / reference: above 1 is better for a rate, below 1 is ' +
      'better for a latency or a size. Machines here are noisy; compare ratios more than values.',
    '',
    '| figure | service | reference | reference value | ratio | runs | measured |',
    '|---|---:|---|---:|---:|---:|---|',
  ];
  for (const part of results.parts) {
    for (const f of part.figures) {
      lines.push(
        `| ${f.name} | ${f.value} ${f.unit} | ${f.reference} | ${f.referenceValue} ${f.unit} | ` +
          `${f.ratio} | ${f.runs} | ${part.date} |`,
      );
    }
  }

  lines.push('', '## How each part measures', '');
  for (const part of results.parts) {
    const notes = [...new Set(part.figures.map((f) => f.note).filter(Boolean))];
    const outcome = part.error ? ` **Failed:** ${part.error}` : '';
    const extra = notes.length > 0 ? ` Notes: ${notes.join('; ')}.` : '';
    lines.push(`- **${part.name}** (${part.seconds} s): ${part.method}.${extra}${outcome}`);
  }
  return `${lines.join('\n')}\n`;
}
