/**
 * Shared by the Neovim and Emacs tests: the scenario (a broken example, a hover on a node
 * name) and what a right answer holds, derived from the example's own `expect:` comments
 * and from `knet routes`, never typed in by hand.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expectationsOf, type Expectation, type SeenDiagnostic } from './expectations';
import { ROOT } from './tools';

export interface ClientReport {
    diagnostics?: SeenDiagnostic[];
    hover?: string | null;
    errors?: string[];
    published?: boolean;
}

export interface Scenario {
    file: string;
    expectations: Expectation[];
    hover: { line: number; character: number; node: string };
    /** The node's routes as `knet routes` prints them, without the trailing comments. */
    routes: string[];
}

/** Where `node NAME {` declares NAME: the hover target. */
export function declarationOf(text: string, keyword: string, name: string): { line: number; character: number } {
    const lines = text.split(/\r?\n/);
    for (let line = 0; line < lines.length; line++) {
        const m = new RegExp(`^(\\s*${keyword}\\s+)${name.replace(/[.]/g, '\\.')}(?![\\w.@-])`).exec(lines[line]);
        if (m) return { line, character: m[1].length + 1 };
    }
    throw new Error(`no ${keyword} ${name} in the file`);
}

export function routesOf(file: string, node: string): string[] {
    const out = execFileSync(process.execPath, [path.join(ROOT, 'bin', 'knet.cjs'), 'routes', file, node], { encoding: 'utf8' });
    return out.split('\n').map(l => l.replace(/\s+#.*$/, '').trim()).filter(Boolean);
}

export function brokenRoutesScenario(workspace: string): Scenario {
    const file = path.join(workspace, 'broken', 'routes.knet');
    const text = fs.readFileSync(file, 'utf8');
    const node = 'node02';
    const at = declarationOf(text, 'node', node);
    return { file, expectations: expectationsOf(text), hover: { ...at, node }, routes: routesOf(file, node) };
}

/** Route lines a hover failed to show, compared on the words `ip route` prints. */
export function routesMissingFrom(hover: string, routes: string[]): string[] {
    const flat = hover.replace(/\s+/g, ' ');
    return routes.filter(r => !flat.includes(r.replace(/\s+/g, ' ')));
}
