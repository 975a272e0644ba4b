import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadText } from '../server/src/language/workspace';
import { diagnosticCode } from '../server/src/language/workspace';

export const ROOT = path.resolve(__dirname, '..');
export const EXAMPLES = path.join(ROOT, 'examples');
/** The shared examples, when this checkout sits beside them. */
export const SHARED_EXAMPLES = path.resolve(ROOT, '..', 'shared', 'examples');

let counter = 0;

/** Parses, links and checks `text` as a fresh document. */
export async function load(text: string, validate = true) {
    return loadText(text, `file:///test/doc${++counter}.knet`, validate);
}

export async function loadExample(name: string, validate = true) {
    const file = path.join(EXAMPLES, name);
    return loadText(fs.readFileSync(file, 'utf8'), `file://${file}`, validate);
}

export function readExample(name: string): string {
    return fs.readFileSync(path.join(EXAMPLES, name), 'utf8');
}

/** Diagnostics as `line:code` (1-based lines) for compact assertions. */
export async function codes(text: string): Promise<string[]> {
    const { diagnostics } = await load(text);
    return diagnostics.map(d => `${d.range.start.line + 1}:${diagnosticCode(d)}`);
}

export function knetFiles(dir: string): string[] {
    if (!fs.existsSync(dir)) return [];
    const out: string[] = [];
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) out.push(...knetFiles(p));
        else if (e.name.endsWith('.knet')) out.push(p);
    }
    return out.sort();
}

/** A tiny cluster around a few extra lines, for focused tests. */
export function cluster(body: string, header = `
  podNetwork 10.244.0.0/16
  serviceNetwork 10.96.0.0/12
  cni flannel vxlan
  network lan 100.100.137.0/24 { mtu 1500 gateway 100.100.137.1 }`): string {
    return `cluster test {${header}\n${body}\n}\n`;
}
