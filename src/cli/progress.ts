/**
 * Upload progress. On a terminal: a bar per upload (cli-progress) with bytes, rate and ETA. Elsewhere
 * (CI logs): one line when an upload starts, and for large files one every 10%, so a log shows a
 * slow upload is moving without flooding (pypa/gh-action-pypi-publish#229).
 */
import type cliProgress from 'cli-progress';
import { formatSize } from '../report/format.js';
import type { Console } from './types.js';

export interface ProgressDisplay {
  start(target: string, filename: string, size: number, attempt: number): void;
  update(target: string, filename: string, sent: number, total: number): void;
  stop(): void;
}

/** Files at least this big get a line every 10% in CI logs. */
export const LARGE_FILE = 10 * 1024 * 1024;

export function lineProgress(out: Console): ProgressDisplay {
  let lastDecile = 0;
  return {
    start(target, filename, size, attempt) {
      lastDecile = 0;
      out.info(`${target}: uploading ${filename} (${formatSize(size)})${attempt > 1 ? `, attempt ${attempt}` : ''}`, {
        event: 'file-start',
        target,
        file: filename,
        size,
        attempt,
      });
    },
    update(target, filename, sent, total) {
      if (total < LARGE_FILE) return;
      const decile = Math.floor((sent / total) * 10);
      if (decile > lastDecile && decile < 10) {
        lastDecile = decile;
        out.info(`${target}: ${filename}: ${decile * 10}% (${formatSize(sent)} of ${formatSize(total)})`, {
          event: 'progress',
          target,
          file: filename,
          sent,
          total,
        });
      }
    },
    stop() {},
  };
}

/** The bar's library loads only here: a CI log, a pipe or --quiet never pays for it. */
export async function barProgress(stream: NodeJS.WriteStream, color: boolean): Promise<ProgressDisplay> {
  const { SingleBar, Presets } = (await import('cli-progress')).default;
  let bar: cliProgress.SingleBar | undefined;
  let started = 0;
  return {
    start(target, filename, size, attempt) {
      bar?.stop();
      started = Date.now();
      bar = new SingleBar(
        {
          stream,
          format: `${target}: ${filename}${attempt > 1 ? ` (attempt ${attempt})` : ''} [{bar}] {percentage}% {sentH}/{totalH} {rate} ETA {eta_formatted}`,
          barCompleteChar: color ? '\u2588' : '#',
          barIncompleteChar: color ? '\u2591' : '-',
          hideCursor: true,
          clearOnComplete: false,
          etaBuffer: 20,
          fps: 10,
        },
        Presets.shades_classic,
      );
      bar.start(size, 0, { sentH: formatSize(0), totalH: formatSize(size), rate: '' });
    },
    update(_target, _filename, sent, total) {
      const seconds = (Date.now() - started) / 1000;
      const rate = seconds > 0 ? `${formatSize(sent / seconds)}/s` : '';
      bar?.update(sent, { sentH: formatSize(sent), totalH: formatSize(total), rate });
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}

export const noProgress: ProgressDisplay = { start() {}, update() {}, stop() {} };
