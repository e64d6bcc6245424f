/**
 * Progress for long CLI work: a live bar on a terminal, and one plain line every few seconds elsewhere (CI logs,
 * files), so a log is never flooded with carriage returns.
 */
import cliProgress from "cli-progress";

export interface Progress {
  update(done: number, fields?: Record<string, string | number>): void;
  stop(): void;
}

export function createProgress(
  label: string,
  total: number,
  stream: NodeJS.WriteStream = process.stderr,
): Progress {
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        format: `${label} [{bar}] {percentage}% {value}/{total} {eta_formatted} {info}`,
        stream,
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
  let last = 0;
  return {
    update(done, fields) {
      const now = Date.now();
      if (now - last < 5000 && done < total) return;
      last = now;
      stream.write(`${label} ${done}/${total} ${formatFields(fields)}\n`);
    },
    stop() {},
  };
}

function formatFields(fields?: Record<string, string | number>): string {
  if (!fields) return "";
  return Object.entries(fields)
    .map(([k, v]) => `${k}=${typeof v === "number" ? (Number.isInteger(v) ? v : v.toPrecision(4)) : v}`)
    .join(" ");
}
