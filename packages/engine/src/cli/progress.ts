/**
 * Progress for long CLI work: a live bar when both stdout and the progress stream are terminals, and otherwise (CI
 * logs, `> file`, a trainer's captured output) one plain line every `intervalMs` plus the first and the last, so a
 * log is never flooded with carriage returns and never silent for long.
 */
import cliProgress from "cli-progress";

export interface Progress {
  update(done: number, fields?: Record<string, string | number>): void;
  stop(): void;
}

export interface ProgressOptions {
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Live bar or plain lines; by default live only when stdout and `stream` are both terminals. */
  interactive?: boolean;
  intervalMs?: number;
}

export function createProgress(label: string, total: number, options: ProgressOptions = {}): Progress {
  const stream = options.stream ?? process.stderr;
  const interactive = options.interactive ?? Boolean(process.stdout.isTTY && stream.isTTY);
  if (interactive) {
    const bar = new cliProgress.SingleBar(
      {
        format: `${label} [{bar}] {percentage}% {value}/{total} {eta_formatted} {info}`,
        stream: stream as NodeJS.WriteStream,
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { info: "" });
    return {
      update: (done, fields) => bar.update(done, { info: formatFields(fields) }),
      stop: () => bar.stop(),
    };
  }
  const interval = options.intervalMs ?? 5000;
  let last: number | null = null;
  let pending: string | null = null;
  return {
    update(done, fields) {
      const line = `${label} ${done}/${total} ${formatFields(fields)}`.trimEnd() + "\n";
      const now = Date.now();
      if (last !== null && now - last < interval && done < total) {
        pending = line;
        return;
      }
      last = now;
      pending = null;
      stream.write(line);
    },
    stop() {
      if (pending) stream.write(pending);
      pending = null;
    },
  };
}

function formatFields(fields?: Record<string, string | number>): string {
  if (!fields) return "";
  return Object.entries(fields)
    .map(([k, v]) => `${k}=${typeof v === "number" ? (Number.isInteger(v) ? v : v.toPrecision(4)) : v}`)
    .join(" ");
}
